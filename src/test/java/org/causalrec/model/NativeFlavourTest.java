package org.causalrec.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.util.Platform;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which PyTorch flavour DJL loads from the GPU build's layout, proven on a machine without a GPU.
 * The gpu profile keeps the CPU and CUDA 12.1 native jars apart (beside the shaded jar, on its
 * Class-Path), so DJL sees both {@code native/lib/pytorch.properties}. Its own code then decides:
 * {@code Platform.detectPlatform} keeps the platforms that {@code match} the system and sorts them
 * with its comparator (CUDA flavours first). The test runs that code on the two files for a CPU
 * host and, with a system platform built as a CUDA 12 host's would be, for a GPU host; and the real
 * {@code detectPlatform} for this host. Where a {@code -Pgpu} build left {@code target/native/},
 * its real jars are read instead of the stand-in CUDA file.
 */
class NativeFlavourTest {

  @TempDir
  Path dir;

  @Test
  void theGpuLayoutLoadsCu121OnACudaHostAndTheCpuLibtorchElsewhere() throws Exception {
    List<URL> files = propertiesFiles();
    Platform cpuHost = systemPlatform("cpu", null);
    Platform cudaHost = systemPlatform("cu121", "90");
    for (List<URL> order : List.of(files, reversed(files))) {
      assertEquals("cu121", chosen(order, cudaHost).getFlavor(), "a CUDA 12.1 host, files in order " + order);
      assertEquals("cpu", chosen(order, cpuHost).getFlavor(), "a CPU host, files in order " + order);
      // and DJL's own detection on this machine, with both files on the class path
      ClassLoader before = Thread.currentThread().getContextClassLoader();
      try (URLClassLoader both = new URLClassLoader(order.stream().map(NativeFlavourTest::root).toArray(URL[]::new),
          null)) {
        Thread.currentThread().setContextClassLoader(both);
        String expected = CudaUtils.getGpuCount() > 0 ? "cu121" : "cpu";
        assertEquals(expected, Platform.detectPlatform("pytorch").getFlavor());
      } finally {
        Thread.currentThread().setContextClassLoader(before);
      }
    }
  }

  @Test
  void theGpuProfileKeepsBothNativeJarsOutOfTheShadedJarAndOnItsClassPath() throws IOException {
    String pom = Files.readString(Path.of("pom.xml"));
    String gpu = pom.substring(pom.indexOf("<id>gpu</id>"));
    gpu = gpu.substring(0, gpu.indexOf("</profile>"));
    assertTrue(gpu.contains("<shade.native.exclude>ai.djl.pytorch:pytorch-native-*</shade.native.exclude>"), gpu);
    assertTrue(gpu.contains("native/pytorch-native-cpu-${pytorch.version}-linux-x86_64.jar"
        + " native/pytorch-native-cu121-${pytorch.version}-linux-x86_64.jar"), gpu);
    assertTrue(gpu.contains("<includeArtifactIds>pytorch-native-cpu,pytorch-native-cu121</includeArtifactIds>"), gpu);
    assertTrue(pom.contains("<exclude>${shade.native.exclude}</exclude>")
        && pom.contains("<Class-Path>${native.classpath}</Class-Path>"), "the shade plugin reads both properties");
  }

  /** The CPU and CUDA 12.1 properties files: from a -Pgpu build's native jars, else the CPU jar's and a stand-in. */
  private List<URL> propertiesFiles() throws IOException {
    Path natives = Path.of("target", "native");
    Path cpuJar = natives.resolve("pytorch-native-cpu-2.3.1-linux-x86_64.jar");
    Path cudaJar = natives.resolve("pytorch-native-cu121-2.3.1-linux-x86_64.jar");
    if (Files.exists(cpuJar) && Files.exists(cudaJar)) {
      return List.of(extract(cpuJar, "cpu"), extract(cudaJar, "cu121"));
    }
    URL cpu = getClass().getClassLoader().getResource("native/lib/pytorch.properties");
    assertNotNull(cpu, "the CPU natives are on the test class path");
    Properties p = new Properties();
    try (InputStream in = cpu.openStream()) {
      p.load(in);
    }
    assertEquals("cpu", p.getProperty("flavor"));
    Path cpuFile = write("cpu", p);
    p.setProperty("flavor", "cu121");
    p.setProperty("libraries", "libc10.so,libc10_cuda.so,libtorch.so,libtorch_cpu.so,libtorch_cuda.so");
    return List.of(cpuFile.toUri().toURL(), write("cu121", p).toUri().toURL());
  }

  private URL extract(Path jar, String name) throws IOException {
    Properties p = new Properties();
    try (JarFile j = new JarFile(jar.toFile()); InputStream in = j.getInputStream(j.getEntry(
        "native/lib/pytorch.properties"))) {
      p.load(in);
    }
    return write(name, p).toUri().toURL();
  }

  private Path write(String name, Properties p) throws IOException {
    Path file = dir.resolve(name).resolve("native/lib/pytorch.properties");
    Files.createDirectories(file.getParent());
    try (var out = Files.newOutputStream(file)) {
      p.store(out, null);
    }
    return file;
  }

  /** The class-path root a properties file at {@code root/native/lib/pytorch.properties} lies under. */
  private static URL root(URL properties) {
    try {
      return Path.of(properties.toURI()).getParent().getParent().getParent().toUri().toURL();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<URL> reversed(List<URL> l) {
    List<URL> r = new ArrayList<>(l);
    java.util.Collections.reverse(r);
    return r;
  }

  /** What detectPlatform keeps for {@code system}: the matching platforms, sorted by DJL's comparator, first. */
  @SuppressWarnings("unchecked")
  private static Platform chosen(List<URL> files, Platform system) throws Exception {
    Method fromUrl = Platform.class.getDeclaredMethod("fromUrl", URL.class);
    fromUrl.setAccessible(true);
    Method order = Platform.class.getDeclaredMethod("lambda$detectPlatform$0", Platform.class, Platform.class);
    order.setAccessible(true);
    List<Platform> matching = new ArrayList<>();
    for (URL f : files) {
      Platform p = (Platform) fromUrl.invoke(null, f);
      if (p.matches(system)) {
        matching.add(p);
      }
    }
    matching.sort((a, b) -> {
      try {
        return (int) order.invoke(null, a, b);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
    });
    assertTrue(!matching.isEmpty(), "no platform matches " + system);
    return matching.get(0);
  }

  /** A system platform as {@code Platform.fromSystem} builds it on a host with that flavour. */
  private static Platform systemPlatform(String flavor, String cudaArch) throws Exception {
    Constructor<Platform> c = Platform.class.getDeclaredConstructor();
    c.setAccessible(true);
    Platform p = c.newInstance();
    set(p, "osPrefix", "linux");
    set(p, "osArch", "x86_64");
    set(p, "flavor", flavor);
    set(p, "cudaArch", cudaArch);
    set(p, "version", "2.3.1");
    return p;
  }

  private static void set(Platform p, String field, String value) throws ReflectiveOperationException {
    Field f = Platform.class.getDeclaredField(field);
    f.setAccessible(true);
    f.set(p, value);
  }
}
