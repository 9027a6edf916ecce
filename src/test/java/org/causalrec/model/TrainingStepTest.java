package org.causalrec.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.TrainingConfig;
import ai.djl.training.loss.Loss;
import java.util.SplittableRandom;
import org.causalrec.data.Interactions;
import org.junit.jupiter.api.Test;

/**
 * The CPU training step's parts against their references: the fused Adam against DJL's Adam on
 * the same gradients, and the Mult-VAE's sparse input and sparse target against the dense network
 * and the dense multinomial likelihood.
 */
class TrainingStepTest {

  @Test
  void fusedAdamMakesTheSameUpdatesAsDjlsAdam() {
    for (float weightDecay : new float[] {0f, 0.01f}) {
      Engine.getInstance().setRandomSeed(11);
      try (Model reference = net(); Model fused = net(); NDManager m = NDManager.newBaseManager()) {
        TrainingConfig config = TrainingLoop.adam(Loss.l2Loss(), 0.05f, weightDecay, Device.cpu());
        try (Trainer a = reference.newTrainer(config); Trainer b = fused.newTrainer(config)) {
          a.initialize(new Shape(8, 5));
          b.initialize(new Shape(8, 5));
          var from = reference.getBlock().getParameters().values();
          var to = fused.getBlock().getParameters().values();
          for (int k = 0; k < from.size(); k++) { // the same starting point, in the trainer's own arrays
            to.get(k).getArray().set(java.nio.FloatBuffer.wrap(from.get(k).getArray().toFloatArray()));
          }
          try (FusedAdam adam = FusedAdam.of(fused.getBlock(), m, 0.05f, weightDecay, 2)) {
            for (int step = 0; step < 4; step++) {
              NDArray x = m.randomNormal(new Shape(8, 5));
              NDArray y = m.randomNormal(new Shape(8, 3));
              backward(a, x, y);
              a.step();
              backward(b, x, y);
              adam.step();
            }
          }
          var expected = reference.getBlock().getParameters().values();
          var actual = fused.getBlock().getParameters().values();
          for (int k = 0; k < expected.size(); k++) {
            float[] want = expected.get(k).getArray().toFloatArray();
            assertArrayEquals(want, actual.get(k).getArray().toFloatArray(), 1e-5f, expected.get(k).getName());
            Parameter moved = actual.get(k);
            assertEquals(0f, moved.getArray().getGradient().abs().sum().getFloat(), 0f, "gradient zeroed");
          }
        }
      }
    }
  }

  @Test
  void fusedAdamSplitsLargeParametersAcrossThreadsWithoutChangingThem() {
    // 600 x 1000 = 600,000 elements: several chunks on three threads against the same update on one
    float[][] results = new float[2][];
    for (int run = 0; run < 2; run++) {
      Engine.getInstance().setRandomSeed(5);
      try (Model model = Model.newInstance("wide", Device.cpu()); NDManager m = NDManager.newBaseManager()) {
        model.setBlock(Linear.builder().setUnits(600).optBias(false).build());
        model.getBlock().initialize(model.getNDManager(), ai.djl.ndarray.types.DataType.FLOAT32, new Shape(4, 1000));
        NDArray w = model.getBlock().getParameters().get("weight").getArray();
        try (FusedAdam adam = FusedAdam.of(model.getBlock(), m, 0.01f, 0f, run == 0 ? 1 : 3)) {
          for (int step = 0; step < 2; step++) {
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
              NDArray x = m.ones(new Shape(4, 1000)).mul(step + 1);
              gc.backward(model.getBlock().forward(new ParameterStore(m, false), new NDList(x), true)
                  .singletonOrThrow().square().sum());
            }
            adam.step();
          }
        }
        results[run] = w.toFloatArray();
      }
    }
    assertArrayEquals(results[0], results[1], 0f);
  }

  @Test
  void sparseInputGivesTheDenseNetworksLogits() {
    Interactions x = new Interactions.Builder(3, 50).add(0, 1, 1f).add(0, 7, 1f).add(0, 49, 1f).add(1, 20, 1f)
        .add(2, 3, 1f).add(2, 4, 1f).build();
    Engine.getInstance().setRandomSeed(3);
    try (Model model = Model.newInstance("vae", Device.cpu()); NDManager m = NDManager.newBaseManager()) {
      MultVaeBlock block = new MultVaeBlock(50, 16, 4);
      model.setBlock(block);
      block.initialize(model.getNDManager(), ai.djl.ndarray.types.DataType.FLOAT32, new Shape(3, 50));
      int[] users = {0, 1, 2};
      int[] rows = {2, 0, 1};
      NDArray sparse = MultVae.sparseInput(m, x, users, rows, 0f, new SplittableRandom(1));
      float[] dense = new float[3 * 50];
      for (int k = 0; k < rows.length; k++) {
        x.fillBinaryRow(rows[k], dense, k * 50);
      }
      ParameterStore ps = new ParameterStore(m, false);
      float[] want = block.forward(ps, new NDList(m.create(dense, new Shape(3, 50))), false).get(0).toFloatArray();
      assertArrayEquals(want, block.forward(ps, new NDList(sparse), false).get(0).toFloatArray(), 1e-5f);
    }
  }

  @Test
  void sparseInputDropsOutEachItemAtTheRateAndScalesTheKeptOnes() {
    Interactions.Builder b = new Interactions.Builder(1, 20_000);
    for (int i = 0; i < 20_000; i++) {
      b.add(0, i, 1f);
    }
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray in = MultVae.sparseInput(m, b.build(), new int[] {0}, new int[] {0}, 0.5f, new SplittableRandom(2));
      float[] values = in.toDense().toFloatArray();
      long kept = 0;
      for (float v : values) {
        if (v != 0) {
          kept++;
          assertEquals(2 / Math.sqrt(20_000), v, 1e-7);
        }
      }
      // binomial(20,000, 0.5): mean 10,000, sd 71
      assertTrue(Math.abs(kept - 10_000) < 400, "kept " + kept);
    }
  }

  @Test
  void sparseTargetGivesTheMultinomialLikelihoodOfTheDenseTarget() {
    Interactions x = new Interactions.Builder(2, 6).add(0, 0, 1f).add(0, 5, 1f).add(1, 2, 1f).build();
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray logits = m.randomNormal(new Shape(2, 6));
      NDArray mu = m.zeros(new Shape(2, 3));
      NDArray logvar = m.zeros(new Shape(2, 3));
      MultVaeLoss loss = new MultVaeLoss();
      loss.setBeta(0f);
      NDList target = MultVae.target(m, x, new int[] {0, 1}, new int[] {0, 1}, Objective.NAIVE, null, 1);
      float[] ls = logits.logSoftmax(1).toFloatArray();
      double want = -(ls[0] + ls[5] + ls[6 + 2]) / 2;
      assertEquals(want, loss.evaluate(target, new NDList(logits, mu, logvar)).getFloat(), 1e-5);
    }
  }

  private static Model net() {
    Model model = Model.newInstance("net", Device.cpu());
    SequentialBlock block = new SequentialBlock().add(Linear.builder().setUnits(4).build())
        .add(ai.djl.nn.Activation::tanh).add(Linear.builder().setUnits(3).build());
    model.setBlock(block);
    return model;
  }

  private static void backward(Trainer trainer, NDArray x, NDArray y) {
    try (GradientCollector gc = trainer.newGradientCollector()) {
      gc.backward(trainer.forward(new NDList(x)).singletonOrThrow().sub(y).square().mean());
    }
  }
}
