package dev.allo.impl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.allo.Allo;
import dev.allo.data.PreferenceExample;
import dev.allo.fixtures.report.ReferenceLoggingWindow;
import dev.allo.impl.model.DecoderConfig;
import dev.allo.impl.model.DecoderModel;
import dev.allo.impl.report.RunReport;
import dev.allo.impl.report.TensorBoardEventLog;
import dev.allo.impl.report.EventFileReader;
import dev.allo.mask.NeuronMask;
import dev.allo.model.CausalLm;
import dev.allo.pipeline.AlignmentBuilder;
import dev.allo.pipeline.AlignmentResult;
import dev.allo.pipeline.LearnConfig;
import dev.allo.pipeline.LocateConfig;
import dev.allo.pipeline.ReportTarget;
import dev.allo.pipeline.TrainingConfig;
import dev.allo.tokenizer.ByteTokenizer;
import dev.allo.tokenizer.Tokenizer;
import dev.allo.train.StepMetrics;
import dev.allo.train.TrainingListener;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small locate + learn run with every reporting setting on: the CSV and TensorBoard rows are the logging windows
 * of the metrics log, numbered checkpoints are kept as save_steps and save_total_limit say, and report.html shows
 * the metrics log, evaluations and mask; also after a kill and a resume.
 */
class ReportingPipelineTest {
    private static final Tokenizer TOKENIZER = ByteTokenizer.create();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long LOGGING = 3;
    private static final List<Long> LOGGED = List.of(3L, 6L, 8L); // 8 steps: multiples of 3 and the last

    @TempDir
    Path dir;

    private static DecoderModel model() {
        DecoderConfig config = DecoderConfig.builder().hiddenSize(16).intermediateSize(32).numHiddenLayers(2)
                .numAttentionHeads(4).numKeyValueHeads(2).vocabSize(TOKENIZER.vocabSize()).build();
        return DecoderModel.random(config, Device.cpu(), 5);
    }

    private static List<PreferenceExample> pairs(int n, int offset) {
        List<PreferenceExample> out = new ArrayList<>();
        for (int i = offset; i < offset + n; i++) {
            out.add(PreferenceExample.of("q" + i + ":", "yes " + i, "no " + (i + 1)));
        }
        return out;
    }

    /** Locate, then 8 learning steps (16 pairs, batch 4, 2 epochs), evaluated every 4 steps. */
    private static AlignmentBuilder run(DecoderModel model, Path out) {
        TrainingConfig training = TrainingConfig.defaults().withLearningRate(5e-3).withBatchSize(4, 2).withEpochs(2)
                .withSchedule(TrainingConfig.ScheduleKind.LINEAR, 0.25);
        return Allo.builder().model(model).tokenizer(TOKENIZER).data(pairs(16, 0)).heldOut(pairs(4, 100))
                .evaluateEvery(4).locateNeurons(LocateConfig.weightDelta().withWarmUp(training.withEpochs(1)))
                .learn(LearnConfig.defaults().withNeuronRatio(0.3).withTraining(training))
                .loggingSteps(LOGGING).saveSteps(2).saveTotalLimit(2)
                .reportTo(ReportTarget.CSV, ReportTarget.TENSORBOARD, ReportTarget.JSONL)
                .checkpointEvery(2).outputDirectory(out);
    }

    /** The lines of a JSON-lines file as maps, {@code stage} left out. */
    private static List<Map<String, Double>> jsonl(Path file) throws Exception {
        List<Map<String, Double>> out = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            Map<String, Double> m = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = JSON.readTree(line).fields(); it.hasNext();) {
                Map.Entry<String, JsonNode> e = it.next();
                if (!e.getKey().equals("stage")) {
                    m.put(e.getKey(), e.getValue().isNumber() ? e.getValue().asDouble()
                            : Double.parseDouble(e.getValue().asText()));
                }
            }
            out.add(m);
        }
        return out;
    }

    /** metrics.csv and the TensorBoard file hold the reference's logging windows of metrics.jsonl. */
    private static void assertReportFilesMatchTheMetricsLog(Path out) throws Exception {
        List<Map<String, Double>> want = ReferenceLoggingWindow.rows(jsonl(out.resolve("learn/metrics.jsonl")),
                LOGGING);
        assertThat(want).extracting(r -> r.get("step").longValue()).containsExactlyElementsOf(LOGGED);
        List<String> csv = Files.readAllLines(out.resolve("learn/metrics.csv"));
        assertThat(csv).hasSize(1 + LOGGED.size());
        String[] header = csv.get(0).split(",");
        assertThat(List.of(header)).containsExactlyInAnyOrderElementsOf(want.get(0).keySet());
        for (int i = 0; i < want.size(); i++) {
            String[] cells = csv.get(i + 1).split(",", -1);
            assertThat(cells).hasSameSizeAs(header);
            for (int c = 0; c < header.length; c++) {
                assertThat(Double.parseDouble(cells[c])).as("csv row %d %s", i, header[c])
                        .isCloseTo(want.get(i).get(header[c]), within(want.get(i).get(header[c])));
            }
        }
        List<Path> events = TensorBoardEventLog.eventFiles(out.resolve("tensorboard/learn"));
        assertThat(events).hasSize(1);
        List<EventFileReader.Event> records = EventFileReader.readAll(events.get(0));
        assertThat(records).hasSize(1 + LOGGED.size());
        assertThat(records.get(0).fileVersion()).isEqualTo("brain.Event:2");
        for (int i = 0; i < want.size(); i++) {
            EventFileReader.Event e = records.get(i + 1);
            assertThat(e.step()).isEqualTo(LOGGED.get(i));
            for (Map.Entry<String, Double> m : want.get(i).entrySet()) {
                if (!m.getKey().equals("step")) {
                    assertThat(e.scalars().get("train/" + m.getKey())).as("event %d %s", i, m.getKey())
                            .isEqualTo(m.getValue().floatValue());
                }
            }
            assertThat(e.scalars()).hasSize(want.get(i).size() - 1);
        }
    }

    private static org.assertj.core.data.Offset<Double> within(double v) {
        return org.assertj.core.data.Offset.offset(1e-12 * Math.max(1, Math.abs(v)));
    }

    private static void assertNumberedCheckpoints(Path out, CausalLm model) {
        assertThat(out.resolve("learn/checkpoint-2")).doesNotExist();
        assertThat(out.resolve("learn/checkpoint-4")).doesNotExist();
        assertThat(out.resolve("learn/checkpoint-6/model.safetensors")).isRegularFile();
        assertThat(out.resolve("learn/checkpoint-8/config.json")).isRegularFile();
        assertThat(out.resolve("learn/checkpoint")).isDirectory(); // the resume checkpoint is kept
        try (CausalLm eight = Allo.loadModel(out.resolve("learn/checkpoint-8"), Device.cpu())) {
            for (Map.Entry<String, NDArray> p : model.parameters().entrySet()) {
                assertThat(eight.parameters().get(p.getKey()).toFloatArray()).as(p.getKey())
                        .containsExactly(p.getValue().toFloatArray());
            }
        }
    }

    @Test
    void everyReportingSettingWritesItsFilesAndTheReportShowsTheRun() throws Exception {
        Path out = dir.resolve("run");
        try (DecoderModel model = model()) {
            AlignmentResult result = run(model, out).build().run();
            assertReportFilesMatchTheMetricsLog(out);
            assertNumberedCheckpoints(out, model);
            assertReport(out, result.masks().get("learn"));
        }
        String keep = System.getProperty("allo.test.keepRun"); // for scripts/check-report.sh, see docs/reporting.md
        if (keep != null) {
            copyTree(out, Path.of(keep));
        }
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (java.util.stream.Stream<Path> all = Files.walk(from)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    @Test
    void afterAKillAtALoggingStepTheReportFilesAndCheckpointsAreThoseOfAnUninterruptedRun() throws Exception {
        Path out = dir.resolve("killed");
        try (DecoderModel model = model()) {
            // Step 6's checkpoint is written, then the process dies before the report files hear of step 6.
            TrainingListener kill = new TrainingListener() {
                @Override
                public void onStep(StepMetrics m) {
                    if (m.stage().equals("learn") && m.step() == 6) {
                        throw new IllegalStateException("simulated kill");
                    }
                }
            };
            assertThatThrownBy(() -> run(model, out).listener(kill).build().run())
                    .hasMessageContaining("simulated kill");
            assertThat(Files.readAllLines(out.resolve("learn/metrics.csv"))).hasSize(2); // header, step 3
            assertThat(out.resolve("learn/checkpoint-6")).doesNotExist();
            Files.writeString(out.resolve("learn/metrics.csv"), "6,1,0.69", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.APPEND); // a row cut short
        }
        try (DecoderModel model = model()) {
            AlignmentResult result = run(model, out).resume().build().run();
            assertReportFilesMatchTheMetricsLog(out);
            assertNumberedCheckpoints(out, model);
            assertReport(out, result.masks().get("learn"));
        }
    }

    private static final Pattern CHART = Pattern.compile("<svg class=\"chart\"[^>]*data-stage=\"([^\"]*)\""
            + " data-metric=\"([^\"]*)\" data-points=\"(\\d+)\" data-eval-points=\"(\\d+)\" data-y-lower=\"([^\"]*)\""
            + " data-y-upper=\"([^\"]*)\"");
    private static final Pattern CELL = Pattern.compile("<td data-stage=\"learn\" data-metric=\"([^\"]*)\""
            + " data-value=\"([^\"]*)\">");
    private static final Pattern HEAT = Pattern.compile("<rect class=\"cell\"[^>]*data-tensor=\"([^\"]*)\""
            + " data-fraction=\"([^\"]*)\"");

    private static void assertReport(Path out, NeuronMask mask) throws Exception {
        String html = Files.readString(out.resolve("report.html"));
        assertThat(html).startsWith("<!DOCTYPE html>").endsWith("</html>\n");
        // Self-contained: no script, no external resource.
        assertThat(html).doesNotContain("<script").doesNotContain("src=").doesNotContain("<link")
                .doesNotContain("http:").doesNotContain("https:").doesNotContain("url(");
        List<Map<String, Double>> steps = jsonl(out.resolve("learn/metrics.jsonl"));
        List<Map<String, Double>> evals = jsonl(out.resolve("learn/eval.jsonl"));
        assertThat(evals).hasSize(3); // steps 0, 4, 8
        Matcher charts = CHART.matcher(html);
        List<String> metrics = new ArrayList<>();
        while (charts.find()) {
            assertThat(charts.group(1)).isEqualTo("learn");
            String metric = charts.group(2);
            metrics.add(metric);
            assertThat(Integer.parseInt(charts.group(3))).as(metric).isEqualTo(steps.size());
            boolean evaluated = evals.get(0).containsKey("eval/" + metric);
            assertThat(Integer.parseInt(charts.group(4))).as(metric).isEqualTo(evaluated ? evals.size() : 0);
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (Map<String, Double> s : steps) {
                min = Math.min(min, s.get(metric));
                max = Math.max(max, s.get(metric));
            }
            for (Map<String, Double> e : evaluated ? evals : List.<Map<String, Double>>of()) {
                min = Math.min(min, e.get("eval/" + metric));
                max = Math.max(max, e.get("eval/" + metric));
            }
            double lower = Double.parseDouble(charts.group(5));
            double upper = Double.parseDouble(charts.group(6));
            assertThat(lower).as(metric).isLessThanOrEqualTo(min);
            assertThat(upper).as(metric).isGreaterThanOrEqualTo(max);
            assertThat(max - min).as(metric + ": the data fill a third of the axis at least")
                    .isGreaterThanOrEqualTo((upper - lower) / 3 - 1e-12);
        }
        assertThat(metrics).containsExactlyElementsOf(RunReport.CHART_METRICS);
        assertThat(html).contains("<polyline class=\"train\"").contains("<circle class=\"eval\"");

        Map<String, Double> last = steps.get(steps.size() - 1);
        Map<String, Double> lastEval = evals.get(evals.size() - 1);
        Map<String, String> table = new LinkedHashMap<>();
        Matcher cells = CELL.matcher(html);
        while (cells.find()) {
            table.put(cells.group(1), cells.group(2));
        }
        assertThat(Long.parseLong(table.get("step"))).isEqualTo(8);
        for (String m : RunReport.TABLE_METRICS) {
            assertThat(Double.parseDouble(table.get(m))).as(m).isEqualTo(last.get(m));
        }
        assertThat(Double.parseDouble(table.get("eval/loss"))).isEqualTo(lastEval.get("eval/loss"));
        assertThat(Double.parseDouble(table.get("mask/ratio"))).isEqualTo(mask.ratio());

        Matcher heat = HEAT.matcher(html);
        int count = 0;
        while (heat.find()) {
            String tensor = heat.group(1);
            if (mask.contains(tensor)) {
                count++;
                assertThat(Double.parseDouble(heat.group(2))).as(tensor).isEqualTo(mask.ratio(tensor));
            }
        }
        assertThat(count).isEqualTo(mask.tensorNames().stream().filter(n -> n.contains("layers.")).count());
        assertThat(html).contains("<td>data</td><td>16</td><td>16</td><td>0</td>")
                .contains("<td>heldOut</td><td>4</td><td>4</td><td>0</td>").contains("&quot;loggingSteps&quot; : 3");
    }
}
