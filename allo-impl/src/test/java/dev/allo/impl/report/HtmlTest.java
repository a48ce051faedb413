package dev.allo.impl.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HtmlTest {
    @Test
    void tickLabelsHaveTheDecimalsTheTickNeeds() {
        assertThat(Html.tick(0.67, 0.01)).isEqualTo("0.67");
        assertThat(Html.tick(0.5, 0.5)).isEqualTo("0.5");
        assertThat(Html.tick(-1.5, 0.5)).isEqualTo("-1.5");
        assertThat(Html.tick(20, 10)).isEqualTo("20");
        assertThat(Html.tick(0, 0.01)).isEqualTo("0");
        assertThat(Html.tick(3e-4, 1e-4)).isEqualTo("3.0e-04");
        assertThat(Html.tick(3.01e-5, 1e-7)).isEqualTo("3.01e-05");
        assertThat(Html.tick(200000, 100000)).isEqualTo("2.0e+05");
    }

    @Test
    void markupIsEscaped() {
        assertThat(Html.escape("<a href=\"x\">'&'</a>")).isEqualTo("&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
    }
}
