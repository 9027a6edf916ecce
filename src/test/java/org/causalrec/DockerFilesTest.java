package org.causalrec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The image and compose files, checked file by file where no container engine runs: what
 * {@code docker compose up} would start (PostgreSQL and a CPU node by default, the CUDA node only
 * with the gpu profile), and that each image runs as a non-root user with a health check, a data
 * volume, JAVA_OPTS honoured and only files that exist copied in.
 */
class DockerFilesTest {

  private static final Path DOCKER = Path.of("docker");

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return (Map<String, Object>) o;
  }

  @Test
  @SuppressWarnings("unchecked")
  void composeStartsPostgresAndACpuNodeByDefaultAndTheCudaNodeOnlyWithTheGpuProfile() throws IOException {
    Map<String, Object> compose = new Yaml().load(Files.readString(DOCKER.resolve("docker-compose.yml")));
    Map<String, Object> services = map(compose.get("services"));
    List<String> byDefault = new ArrayList<>();
    services.forEach((name, s) -> {
      if (map(s).get("profiles") == null) {
        byDefault.add(name);
      }
    });
    assertEquals(List.of("postgres", "causalrec"), byDefault, "what a plain `docker compose up` starts");

    Map<String, Object> pg = map(services.get("postgres"));
    assertTrue(((String) pg.get("image")).startsWith("postgres:"), pg.toString());
    assertNotNull(pg.get("healthcheck"));

    Map<String, Object> cpu = map(services.get("causalrec"));
    assertEquals("docker/Dockerfile", map(cpu.get("build")).get("dockerfile"));
    assertEquals("..", map(cpu.get("build")).get("context"));
    assertNull(cpu.get("deploy"), "the CPU node reserves no device");
    assertEquals(List.of("8080:8080"), cpu.get("ports"));
    assertEquals(List.of("data:/data"), cpu.get("volumes"));
    assertEquals("service_healthy", map(map(cpu.get("depends_on")).get("postgres")).get("condition"));
    assertTrue(((String) map(cpu.get("environment")).get("CAUSALREC_PG_URL")).contains("@postgres:5432/"));
    assertTrue(map(cpu.get("environment")).containsKey("JAVA_OPTS"));

    Map<String, Object> gpu = map(services.get("causalrec-gpu"));
    assertEquals(List.of("gpu"), gpu.get("profiles"));
    assertEquals("docker/Dockerfile.gpu", map(gpu.get("build")).get("dockerfile"));
    List<Object> devices = (List<Object>) map(map(map(gpu.get("deploy")).get("resources")).get("reservations"))
        .get("devices");
    assertEquals("nvidia", map(devices.get(0)).get("driver"));
    assertFalse(((List<String>) gpu.get("ports")).get(0).startsWith("8080:"), "both nodes can run at once");

    Map<String, Object> volumes = map(compose.get("volumes"));
    for (String v : List.of("pgdata", "data", "data-gpu")) {
      assertTrue(volumes.containsKey(v), "volume " + v + " declared");
    }
  }

  @Test
  void eachImageRunsAsANonRootUserWithAHealthCheckADataVolumeAndJavaOpts() throws IOException {
    for (String name : List.of("Dockerfile", "Dockerfile.gpu")) {
      String file = Files.readString(DOCKER.resolve(name));
      List<String> lines = file.lines().map(String::strip).filter(l -> !l.startsWith("#") && !l.isEmpty()).toList();
      String runtimeBase = lines.stream().filter(l -> l.startsWith("FROM ")).reduce((a, b) -> b).orElseThrow();
      assertTrue(name.equals("Dockerfile") ? runtimeBase.equals("FROM eclipse-temurin:17-jre")
          : runtimeBase.startsWith("FROM nvidia/cuda:12.1"), name + ": " + runtimeBase);
      String user = lines.stream().filter(l -> l.startsWith("USER ")).findFirst().orElseThrow();
      assertFalse(user.endsWith(" root") || user.endsWith(" 0"), name + ": " + user);
      assertTrue(lines.stream().anyMatch(l -> l.startsWith("HEALTHCHECK") && l.contains("/health/ready")), name);
      assertTrue(lines.contains("VOLUME /data") && lines.contains("EXPOSE 8080"), name);
      assertTrue(lines.contains("ENTRYPOINT [\"/opt/causalrec/entrypoint.sh\"]"), name);
      assertTrue(file.contains("-Pgpu") == name.equals("Dockerfile.gpu"), name + ": only the GPU image builds -Pgpu");
      // three layers from the one that changes least: natives, libraries, the application's classes
      List<String> layers = lines.stream().filter(l -> l.startsWith("COPY --from=build")).toList();
      assertEquals(List.of("COPY --from=build /src/target/native /opt/causalrec/native",
          "COPY --from=build /src/target/lib /opt/causalrec/lib",
          "COPY --from=build /src/target/app.jar /opt/causalrec/app/causalrec.jar"), layers, name);
      assertTrue(file.contains("-DexcludeArtifactIds=pytorch-native-cpu,pytorch-native-cu121"), name + ": natives"
          + " are not in the libraries' layer");
      // every file copied from the build context exists
      for (String l : lines) {
        if (l.startsWith("COPY ") && !l.contains("--from=")) {
          String[] parts = l.split("\\s+");
          for (int k = 1; k < parts.length - 1; k++) {
            assertTrue(Files.exists(Path.of(parts[k])), name + " copies " + parts[k]);
          }
        }
      }
    }
    Path entrypoint = DOCKER.resolve("entrypoint.sh");
    String script = Files.readString(entrypoint);
    assertTrue(script.contains("exec java $JAVA_OPTS -cp \"/opt/causalrec/app/*:/opt/causalrec/lib/*:"
        + "/opt/causalrec/native/*\" org.causalrec.App \"$@\""), script);
    assertTrue(Files.isExecutable(entrypoint));
    assertTrue(Files.exists(Path.of("src/main/java/org/causalrec/App.java")), "the entry point's main class");
  }

  @Test
  void theBuildContextLeavesOutWhatIsBuiltOrStoredHere() throws IOException {
    List<String> ignored = Files.readAllLines(Path.of(".dockerignore")).stream().map(String::strip).toList();
    for (String p : List.of("target/", "data/", ".git/")) {
      assertTrue(ignored.contains(p), ".dockerignore leaves out " + p);
    }
    // and nothing the image builds from: no pattern may match a source file (a "**/data/" would take
    // the data package out of the build)
    List<java.nio.file.PathMatcher> patterns = ignored.stream().filter(l -> !l.isEmpty() && !l.startsWith("#"))
        .map(l -> l.endsWith("/") ? l.substring(0, l.length() - 1) : l)
        .flatMap(l -> java.util.stream.Stream.of(l, l + "/**"))
        .map(g -> java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + g)).toList();
    try (var files = java.util.stream.Stream.concat(Files.walk(Path.of("src")), Files.walk(Path.of("sql")))) {
      for (Path f : (Iterable<Path>) files::iterator) {
        assertTrue(patterns.stream().noneMatch(m -> m.matches(f)), ".dockerignore leaves out " + f);
      }
    }
  }
}
