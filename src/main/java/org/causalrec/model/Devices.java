package org.causalrec.model;

import ai.djl.Device;
import ai.djl.engine.Engine;

/** Picks the training and scoring device: the GPU when PyTorch sees one, unless configured otherwise. */
public final class Devices {

  /**
   * The chosen device and why, for logs and {@code /health/ready}.
   *
   * @param device the DJL device
   * @param reason a short human-readable reason
   */
  public record Choice(Device device, String reason) {

    /**
     * {@code {"device", "reason", "flavor", "cuda"}}: the libtorch flavour DJL loaded (cpu, cu121)
     * and the CUDA version it sees (null without a GPU).
     */
    public io.vertx.core.json.JsonObject toJson() {
      Engine.getEngine("PyTorch");
      return new io.vertx.core.json.JsonObject().put("device", device.toString()).put("reason", reason)
          .put("flavor", ai.djl.util.Platform.detectPlatform("pytorch").getFlavor())
          .put("cuda", ai.djl.util.cuda.CudaUtils.getGpuCount() > 0 ? ai.djl.util.cuda.CudaUtils.getCudaVersionString()
              : null);
    }
  }

  private Devices() {}

  /** Resolves {@code setting} (auto, cpu or gpu); gpu without a visible GPU is an error. */
  public static Choice choose(String setting) {
    Engine engine = Engine.getEngine("PyTorch");
    int gpus = engine.getGpuCount();
    String flavor = "PyTorch " + engine.getVersion();
    return switch (setting) {
      case "cpu" -> new Choice(Device.cpu(), "CAUSALREC_DEVICE=cpu (" + gpus + " GPU(s) visible, " + flavor + ")");
      case "gpu" -> {
        if (gpus == 0) {
          throw new IllegalStateException("CAUSALREC_DEVICE=gpu but " + flavor + " sees no GPU: build with -Pgpu "
              + "on a host with a CUDA 12.1+ driver, or use CAUSALREC_DEVICE=cpu");
        }
        yield new Choice(Device.gpu(0), "CAUSALREC_DEVICE=gpu, " + gpus + " GPU(s) visible to " + flavor);
      }
      default -> gpus > 0
          ? new Choice(Device.gpu(0), "auto: " + gpus + " GPU(s) visible to " + flavor)
          : new Choice(Device.cpu(), "auto: no GPU visible to " + flavor + ", using the CPU");
    };
  }

  /**
   * Sets the PyTorch intra-op threads of the calling thread's CPU work to {@code n}. The setting
   * holds for the calling thread (and threads PyTorch starts later), not for threads that set
   * their own: a serving thread and a training thread each set theirs when they start, so a
   * retrain cannot take the cores serving needs.
   */
  public static void useThreads(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("threads must be >= 1: " + n);
    }
    Engine.getEngine("PyTorch");
    ai.djl.pytorch.jni.JniUtils.setNumThreads(n);
  }

  /** The calling thread's PyTorch intra-op threads. */
  public static int threads() {
    Engine.getEngine("PyTorch");
    return ai.djl.pytorch.jni.JniUtils.getNumThreads();
  }

  /**
   * NDArrays alive now in every NDManager of the engine: the parameters of the models in memory and
   * whatever training and scoring hold at this moment. On a node in steady state it stays flat; a
   * count that keeps rising is a leak of native memory.
   */
  public static int liveArrays() {
    try (ai.djl.ndarray.NDManager probe = ai.djl.ndarray.NDManager.newBaseManager()) {
      return probe.getParentManager().getManagedArrays().size();
    }
  }
}
