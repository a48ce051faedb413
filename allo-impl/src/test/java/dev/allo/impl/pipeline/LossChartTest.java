package dev.allo.impl.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.data.xy.XYSeries;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LossChartTest {
    @TempDir
    Path dir;

    @Test
    void theYAxisIsFittedToADpoLossThatMovesLittle() {
        XYSeries loss = new XYSeries("loss");
        for (int step = 1; step <= 50; step++) {
            loss.add(step, 0.6931 - 0.0231 * step / 50);
        }
        JFreeChart chart = LossChart.chart("learn", loss);
        ValueAxis y = chart.getXYPlot().getRangeAxis();
        assertThat(y.getLowerBound()).isGreaterThan(0.6).isLessThanOrEqualTo(0.67);
        assertThat(y.getUpperBound()).isGreaterThanOrEqualTo(0.6931).isLessThan(0.75);
        // The curve spans most of the axis instead of a sliver at the top of [0, 0.7].
        assertThat((0.6931 - 0.67) / (y.getUpperBound() - y.getLowerBound())).isGreaterThan(0.6);
    }

    @Test
    void thePngIsWrittenFromTheMetricsLog() throws Exception {
        Path log = dir.resolve("metrics.jsonl");
        Files.writeString(log, "{\"stage\":\"s\",\"step\":1,\"loss\":0.69}\n{\"stage\":\"s\",\"step\":2,\"loss\":\"NaN\"}\n"
                + "{\"stage\":\"s\",\"step\":3,\"loss\":0.68}\n");
        Path png = dir.resolve("loss.png");
        LossChart.write("s", log, png);
        byte[] bytes = Files.readAllBytes(png);
        assertThat(bytes).startsWith(0x89, 'P', 'N', 'G');
    }
}
