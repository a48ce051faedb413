package dev.allo.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real Spark standalone cluster: a master and two one-core workers on 127.0.0.1, started as child JVMs from the
 * Spark jars of the test class path (a Spark home whose {@code jars/} links them; no Spark installation). The
 * reference job ({@link AlloSparkMain}) runs in {@code local[2]} in this JVM and on the cluster from a driver JVM of
 * its own, and the outputs must be identical; then it runs on the cluster again and worker 2 and its executor are killed
 * ({@code destroyForcibly}, SIGKILL) once that executor has started tasks: Spark reruns the lost work on worker 1 and
 * the output must again be identical.
 *
 * <p>Runs in Maven's integration-test phase. The master's port is a free one found at start (the web UIs and the
 * other ports are Spark's random ones), so concurrent runs do not collide; every child process and its descendants
 * are killed at the end, whatever happens (also from a shutdown hook if the JVM is stopped). Logs stay under
 * {@code target/standalone-cluster-*}.
 */
class StandaloneClusterIT {
    private static final int PAIRS = 24;
    private static final List<Process> CHILDREN = new ArrayList<>();
    private static final Thread STOP_ALL = new Thread(StandaloneClusterIT::stopAll);

    private static Path work;
    private static List<String> classPath;
    private static String executorClassPath;
    private static Map<String, String> environment;
    private static List<String> jvmOptions;
    private static Path worker2Dir;
    private static Process worker2;
    private static String master;

    @BeforeAll
    static void startCluster() throws Exception {
        Runtime.getRuntime().addShutdownHook(STOP_ALL);
        Files.createDirectories(Path.of("target"));
        work = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "standalone-cluster-");
        List<String> entries = Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));
        // A Spark home whose jars/ holds every jar of the class path: a worker builds its executors' class path
        // from it; the module's own class directories travel as spark.executor.extraClassPath.
        Path jars = Files.createDirectories(work.resolve("spark-home/jars"));
        for (String entry : entries) {
            Path p = Path.of(entry);
            if (entry.endsWith(".jar") && !Files.exists(jars.resolve(p.getFileName()))) {
                Files.createSymbolicLink(jars.resolve(p.getFileName()), p.toAbsolutePath());
            }
        }
        executorClassPath = entries.stream().filter(e -> Files.isDirectory(Path.of(e)))
                .collect(Collectors.joining(File.pathSeparator));
        classPath = List.of("-cp", String.join(File.pathSeparator, entries));
        environment = Map.of("SPARK_HOME", work.resolve("spark-home").toString(), "SPARK_SCALA_VERSION", "2.13",
                "SPARK_LOCAL_IP", "127.0.0.1");
        jvmOptions = new ArrayList<>(List.of("-Xmx1g", "-Dai.djl.offline=true"));
        jvmOptions.addAll(Arrays.asList(System.getProperty("spark.jvm.options", "").trim().split("\\s+")));
        jvmOptions.removeIf(String::isEmpty);
        // Every child logs warnings, and what the test waits for: workers registering, executors running tasks.
        Path logConfig = work.resolve("log4j2-cluster.properties");
        Files.writeString(logConfig, String.join("\n",
                "rootLogger.level = warn", "rootLogger.appenderRef.stderr.ref = stderr",
                "appender.stderr.type = Console", "appender.stderr.name = stderr", "appender.stderr.target = SYSTEM_ERR",
                "appender.stderr.layout.type = PatternLayout",
                "appender.stderr.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n",
                "logger.executor.name = org.apache.spark.executor.Executor", "logger.executor.level = info",
                "logger.master.name = org.apache.spark.deploy.master.Master", "logger.master.level = info", ""));
        jvmOptions.add("-Dlog4j2.configurationFile=" + logConfig);
        DevFixture.main(new String[] {work.resolve("data").toString(), Integer.toString(PAIRS)});

        int port = freePort();
        master = "spark://127.0.0.1:" + port;
        Path masterLog = work.resolve("master.log");
        start(masterLog, "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port",
                Integer.toString(port), "--webui-port", "0");
        for (int i = 1; i <= 2; i++) {
            Process worker = start(work.resolve("worker" + i + ".log"), "org.apache.spark.deploy.worker.Worker",
                    master, "--host", "127.0.0.1", "--cores", "1", "--memory", "1g", "--webui-port", "0",
                    "--work-dir", work.resolve("worker" + i).toString());
            if (i == 2) {
                worker2 = worker;
                worker2Dir = work.resolve("worker2");
            }
        }
        await(120, "two workers registered with the master (" + masterLog + ")",
                () -> count(masterLog, "Registering worker") >= 2);
    }

    @AfterAll
    static void stopCluster() {
        stopAll();
        Runtime.getRuntime().removeShutdownHook(STOP_ALL);
    }

    @Test
    void theClusterGivesTheLocalOutputAlsoAfterLosingAWorker() throws Exception {
        List<String> local = localReference();
        List<String> cluster = cluster("cluster", false);
        assertThat(local).hasSize(PAIRS);
        assertThat(cluster).as("cluster output, line for line").isEqualTo(local);
        List<String> killed = cluster("killed", true);
        assertThat(killed).as("cluster output after losing worker 2").isEqualTo(local);
    }

    /** The reference job in local[2] in this JVM; the output's JSONL lines, sorted. */
    private static List<String> localReference() throws IOException {
        System.setProperty("spark.ui.enabled", "false");
        System.setProperty("spark.driver.host", "127.0.0.1");
        System.setProperty("spark.driver.bindAddress", "127.0.0.1");
        Path out = work.resolve("out-local");
        AlloSparkMain.execute(new String[] {"reference", "--master", "local[2]", "--input",
            work.resolve("data/pairs.jsonl").toString(), "--output", out.toString(), "--model",
            work.resolve("data/model").toString(), "--batch-size", "2", "--partitions", "6"});
        return lines(out);
    }

    /** Runs the reference job on the cluster in a driver JVM of its own; the output's JSONL lines, sorted. */
    private static List<String> cluster(String name, boolean killWorker2) throws Exception {
        Path out = work.resolve("out-" + name);
        Path log = work.resolve("driver-" + name + ".log");
        List<String> args = new ArrayList<>(List.of("-Dspark.master=" + master,
                "-Dspark.executor.extraClassPath=" + executorClassPath,
                "-Dspark.executor.extraJavaOptions=-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1"
                        + " -Dlog4j2.configurationFile=" + work.resolve("log4j2-cluster.properties"),
                "-Dspark.executor.memory=768m", "-Dspark.task.maxFailures=4", "-Dspark.ui.enabled=false",
                "-Dspark.driver.host=127.0.0.1", "-Dspark.driver.bindAddress=127.0.0.1",
                "dev.allo.spark.AlloSparkMain", "reference", "--input",
                work.resolve("data/pairs.jsonl").toString(), "--output", out.toString(), "--model",
                work.resolve("data/model").toString(), "--batch-size", "2", "--partitions", "6"));
        int startedBefore = count(worker2Dir, "Running task");
        Process driver = start(log, args.toArray(String[]::new));
        if (killWorker2) {
            await(240, "worker 2's executor started tasks of the job",
                    () -> count(worker2Dir, "Running task") >= startedBefore + 3 || !driver.isAlive());
            assertThat(driver.isAlive()).as("the job was still running when worker 2 was killed").isTrue();
            kill(worker2);
        }
        assertThat(driver.waitFor(5, TimeUnit.MINUTES)).as("driver %s finished", name).isTrue();
        String driverLog = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(driver.exitValue()).as("driver exit status; %s", driverLog).isZero();
        if (killWorker2) {
            assertThat(driverLog).as("the driver lost worker 2's executor").contains("Lost executor");
        }
        return lines(out);
    }

    private static List<String> lines(Path out) throws IOException {
        assertThat(out.resolve(JobOutput.MANIFEST)).isRegularFile();
        List<String> lines = new ArrayList<>();
        try (Stream<Path> parts = Files.list(out.resolve("reference/jsonl"))) {
            for (Path part : parts.filter(p -> p.getFileName().toString().startsWith("part-")).toList()) {
                lines.addAll(Files.readAllLines(part, StandardCharsets.UTF_8));
            }
        }
        lines.sort(null);
        return lines;
    }

    private static Process start(Path log, String... mainAndArgs) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        command.addAll(jvmOptions);
        command.addAll(classPath);
        command.addAll(List.of(mainAndArgs));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        synchronized (CHILDREN) {
            Process p = builder.start();
            CHILDREN.add(p);
            return p;
        }
    }

    /** Kills a process and everything it started (a worker's executors), at once. */
    private static void kill(Process p) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
    }

    private static void stopAll() {
        synchronized (CHILDREN) {
            CHILDREN.forEach(StandaloneClusterIT::kill);
            CHILDREN.clear();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static void await(int seconds, String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail("not within " + seconds + " s: " + what + "; logs in " + work);
            }
            Thread.sleep(200);
        }
    }

    /** Occurrences of a text in a file, or in all files under a directory. */
    private static int count(Path path, String text) {
        if (!Files.exists(path)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(path)) {
            int n = 0;
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                n += Files.readString(f, StandardCharsets.ISO_8859_1).split(java.util.regex.Pattern.quote(text), -1)
                        .length - 1;
            }
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
