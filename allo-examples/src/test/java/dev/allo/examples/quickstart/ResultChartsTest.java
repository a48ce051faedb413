package dev.allo.examples.quickstart;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The result charts and training curves are drawn from results.json and metrics.jsonl files, nulls skipped. */
class ResultChartsTest {
    private static final String RESULTS = """
            {"task": "mistakes", "seeds": [7], "methods": [
              {"name": "SFT", "test_accuracy": 0.45, "test_accuracy_ci": [0.3, 0.6],
               "mistake_rate_by_class": {"phrase_operation": 0.4, "phrase_operation_ci": [0.2, 0.7],
                 "reused_quantity": null, "reused_quantity_ci": [null, null]},
               "preference_accuracy": null},
              {"name": "ALLO", "test_accuracy": 0.52, "test_accuracy_ci": [0.34, 0.69],
               "mistake_rate_by_class": {"phrase_operation": 0.01, "phrase_operation_ci": [0.0, 0.04],
                 "reused_quantity": null, "reused_quantity_ci": [null, null]},
               "preference_accuracy": 0.7}]}
            """;

    @TempDir
    Path dir;

    private static String line(String stage, int step, double margin, double accuracy) {
        return "{\"stage\":\"" + stage + "\",\"step\":" + step + ",\"loss\":0.69,\"rewards/margins\":" + margin
                + ",\"rewards/accuracies\":" + accuracy + "}\n";
    }

    private static BufferedImage png(Path file) throws IOException {
        assertThat(file).exists();
        BufferedImage image = ImageIO.read(file.toFile());
        assertThat(image).as("decodable PNG %s", file).isNotNull();
        return image;
    }

    private Path write(String name, String text) throws IOException {
        Path file = dir.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    @Test
    void readsFiguresWithNullClassesAsNaN() throws IOException {
        List<ResultCharts.MethodFigures> methods = ResultCharts.read(write("results.json", RESULTS));

        assertThat(methods).extracting(ResultCharts.MethodFigures::name).containsExactly("SFT", "ALLO");
        assertThat(methods.get(1).testAccuracy()).containsExactly(0.52, 0.34, 0.69);
        assertThat(methods.get(0).mistakeRateByClass()).containsOnlyKeys("phrase_operation", "reused_quantity");
        assertThat(methods.get(0).mistakeRateByClass().get("phrase_operation")).containsExactly(0.4, 0.2, 0.7);
        assertThat(methods.get(0).mistakeRateByClass().get("reused_quantity")).containsOnly(Double.NaN);
    }

    @Test
    void writesBothResultChartsAndSkipsNullClasses() throws IOException {
        Path out = dir.resolve("charts");
        ByteArrayOutputStream log = new ByteArrayOutputStream();

        ResultCharts.writeResultCharts(write("results.json", RESULTS), out, new PrintStream(log, true,
                StandardCharsets.UTF_8));

        assertThat(png(out.resolve(ResultCharts.ACCURACY))).extracting(BufferedImage::getWidth,
                BufferedImage::getHeight).containsExactly(900, 500);
        assertThat(png(out.resolve(ResultCharts.MISTAKE_RATES))).extracting(BufferedImage::getWidth,
                BufferedImage::getHeight).containsExactly(900, 500);
        assertThat(log.toString(StandardCharsets.UTF_8)).isEmpty();
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(ResultCharts.ACCURACY,
                    ResultCharts.MISTAKE_RATES);
        }
    }

    @Test
    void skipsTheMistakeChartWhenEveryClassIsNull() throws IOException {
        Path results = write("results.json", RESULTS.replace("0.4,", "null,").replace("0.01,", "null,"));
        Path out = dir.resolve("charts");
        ByteArrayOutputStream log = new ByteArrayOutputStream();

        ResultCharts.writeResultCharts(results, out, new PrintStream(log, true, StandardCharsets.UTF_8));

        assertThat(png(out.resolve(ResultCharts.ACCURACY))).isNotNull();
        assertThat(out.resolve(ResultCharts.MISTAKE_RATES)).doesNotExist();
        assertThat(log.toString(StandardCharsets.UTF_8)).contains("mistake-rates chart skipped");
    }

    @Test
    void malformedResultsNameTheFileAndField() throws IOException {
        Path bad = write("bad/results.json", RESULTS.replace("\"test_accuracy\": 0.52", "\"test_accuracy\": \"x\""));
        Path noMethods = write("empty/results.json", "{\"task\": \"mistakes\"}");
        Path badCi = write("ci/results.json", RESULTS.replace("[0.34, 0.69]", "[0.34]"));

        assertThatThrownBy(() -> ResultCharts.writeResultCharts(bad, dir, System.out))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(bad.toString()).hasMessageContaining("methods[1].test_accuracy");
        assertThatThrownBy(() -> ResultCharts.read(noMethods)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(noMethods.toString()).hasMessageContaining("'methods'");
        assertThatThrownBy(() -> ResultCharts.read(badCi)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(badCi.toString()).hasMessageContaining("methods[1].test_accuracy_ci");
    }

    @Test
    void trainingCurvesKeepPreferenceStagesOnly() throws IOException {
        Path run = dir.resolve("run");
        write("run/dpo-lr-1e-04/dpo/metrics.jsonl", line("dpo", 1, 0.0, 0.0) + line("dpo", 2, 0.25, 0.75));
        write("run/dpo-lr-3e-04/dpo/metrics.jsonl", line("dpo", 1, 0.0, 0.0));
        write("run/allo-lr-1e-04/forget/metrics.jsonl", "{\"stage\":\"forget\",\"step\":1,\"loss\":0.69}\n");
        write("run/sft/sft/metrics.jsonl", "{\"stage\":\"sft\",\"step\":1,\"loss\":2.0}\n");

        double[][][] curves = TrainingCurves.read(run.resolve("dpo-lr-1e-04/dpo/metrics.jsonl"));
        assertThat(curves[0]).isEqualTo(new double[][] {{1, 0.0}, {2, 0.25}});
        assertThat(curves[1]).isEqualTo(new double[][] {{1, 0.0}, {2, 0.75}});
        assertThat(TrainingCurves.read(run.resolve("allo-lr-1e-04/forget/metrics.jsonl"))[0]).isEmpty();

        Path chart = dir.resolve("out/" + TrainingCurves.FILE);
        assertThat(TrainingCurves.write(run, List.of("lr-1e-04/"), chart)).isTrue();
        assertThat(png(chart)).extracting(BufferedImage::getWidth, BufferedImage::getHeight)
                .containsExactly(900, 700);
        assertThat(TrainingCurves.write(run, List.of("sft/"), dir.resolve("none.png"))).isFalse();
        assertThat(dir.resolve("none.png")).doesNotExist();
    }

    @Test
    void writeBesideReportsMissingMetricsInOneLine() throws IOException {
        Path results = write("run/results.json", RESULTS);
        ByteArrayOutputStream log = new ByteArrayOutputStream();

        ResultCharts.writeBeside(results, dir.resolve("run"), List.of(), new PrintStream(log, true,
                StandardCharsets.UTF_8));

        assertThat(png(dir.resolve("run/" + ResultCharts.ACCURACY))).isNotNull();
        assertThat(dir.resolve("run/" + TrainingCurves.FILE)).doesNotExist();
        assertThat(log.toString(StandardCharsets.UTF_8).lines()).singleElement().asString()
                .contains("training-curves chart skipped");
    }

    @Test
    void malformedMetricsLineNamesTheFileLineAndField() throws IOException {
        Path metrics = write("run/dpo/metrics.jsonl", line("dpo", 1, 0.0, 0.0)
                + "{\"stage\":\"dpo\",\"step\":2,\"rewards/margins\":0.1}\n");

        assertThatThrownBy(() -> TrainingCurves.read(metrics)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(metrics + " line 2").hasMessageContaining("rewards/accuracies");
    }
}
