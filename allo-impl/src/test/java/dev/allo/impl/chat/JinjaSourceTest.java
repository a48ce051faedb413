package dev.allo.impl.chat;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The source rewrites for Jinjava, on the text alone. */
class JinjaSourceTest {

    @Test
    void reversingSliceBecomesReverseFilterOfTheWholePrimary() {
        assertThat(JinjaSource.rewrite("{%- for m in messages[::-1] %}"))
                .isEqualTo("{%- for m in (messages|reverse|list) %}");
        assertThat(JinjaSource.rewrite("{{ a.b[0](x)[::-1][0] }}")).isEqualTo("{{ (a.b[0](x)|reverse|list)[0] }}");
    }

    @Test
    void namespaceKeywordValuesAreParenthesised() {
        assertThat(JinjaSource.rewrite("{% set ns = namespace(a=true, i=messages|length - 1, s='x,=y') %}"))
                .isEqualTo("{% set ns = namespace(a=(true), i=(messages|length - 1), s=('x,=y')) %}");
        assertThat(JinjaSource.rewrite("{{ my_namespace(a=1 + 2) }}")).isEqualTo("{{ my_namespace(a=1 + 2) }}");
    }

    @Test
    void unaryNotTakesTheWholeComparisonButNotIsNotOrNotIn() {
        assertThat(JinjaSource.rewrite("{%- if not x is defined -%}"))
                .isEqualTo("{%- if not ( x is defined) -%}");
        assertThat(JinjaSource.rewrite("{% if not a == 1 and not (b) or c %}"))
                .isEqualTo("{% if not ( a == 1) and not ( (b)) or c %}");
        assertThat(JinjaSource.rewrite("{{ x is not none }}{{ x not in y }}{{ f(not a, b) }}"))
                .isEqualTo("{{ x is not none }}{{ x not in y }}{{ f(not ( a), b) }}");
    }

    @Test
    void oneTrailingNewlineIsDroppedAsJinja2Does() {
        assertThat(JinjaSource.rewrite("{{ x }}\n\n")).isEqualTo("{{ x }}\n");
        assertThat(JinjaSource.rewrite("{{ x }}\r\n")).isEqualTo("{{ x }}");
        assertThat(JinjaSource.rewrite("{{ x }} ")).isEqualTo("{{ x }} ");
    }

    @Test
    void textStringsAndCommentsAreLeftAlone() {
        String s = "text [::-1] not x {# namespace(a=b - 1) [::-1] #}{{ 'not x[::-1]' }}{% raw_text %}";
        assertThat(JinjaSource.rewrite(s)).isEqualTo(s);
    }
}
