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
    void textAndStringsAreLeftAloneAndCommentsBecomeEmptyExpressions() {
        String s = "text [::-1] not x {{ 'not x[::-1] tools is defined' }}{% raw_text %}";
        assertThat(JinjaSource.rewrite(s)).isEqualTo(s);
        // trim_blocks drops the newline after a comment; its whitespace-control markers stay.
        assertThat(JinjaSource.rewrite("a {# namespace(a=b - 1) [::-1] #}\nb {#- c -#} d"))
                .isEqualTo("a {{ '' }}b {{- '' -}} d");
    }

    @Test
    void lstripBlocksOnlyAtTheStartOfALine() {
        assertThat(JinjaSource.rewrite("a {% if x %}\n  \t{% endif %}\n    {{ y }}  {%+ if z %}{% endif %}"))
                .isEqualTo("a {% if x %}\n{% endif %}\n    {{ y }}  {% if z %}{% endif %}");
    }

    @Test
    void loopFilterCollectsThePassingItemsFirst() {
        assertThat(JinjaSource.rewrite("{%- for k, v in d|items if k != 'x' -%}"))
                .isEqualTo("{%- set _allo_kept_0 = [] %}{% for _allo_item_0 in d|items %}{% for k, v in "
                        + "[_allo_item_0] %}{% if k != 'x' %}{% do _allo_kept_0.append(_allo_item_0) %}{% endif %}"
                        + "{% endfor %}{% endfor %}{% for k, v in _allo_kept_0 -%}");
        assertThat(JinjaSource.rewrite("{% for m in (a if b else c) %}")).isEqualTo("{% for m in (a if b else c) %}");
    }

    @Test
    void neighboursOfTheInnermostLoopComeFromAListOfItsItems() {
        assertThat(JinjaSource.rewrite("{% for m in ms %}{% for x in xs %}{% endfor %}{{ loop.previtem.role }}"
                + "{% endfor %}"))
                .isEqualTo("{% set _allo_seq_0 = (ms)|list %}{% for m in _allo_seq_0 %}{% for x in xs %}{% endfor %}"
                        + "{{ (_allo_seq_0[loop.index0 - 1] if loop.index0 > 0 else _allo_undefined).role }}"
                        + "{% endfor %}");
    }

    @Test
    void renderParametersAreAlwaysDefinedAndDictLiteralsLoseTheirBrackets() {
        assertThat(JinjaSource.rewrite("{% if not tools is defined or documents is not defined %}"
                + "{{ message.tools is defined }}{% set c = ({'a': 1}) %}{{ f({'a': 1}) }}"))
                .isEqualTo("{% if not ( true) or false %}{{ message.tools is defined }}{% set c = {'a': 1} %}"
                        + "{{ f({'a': 1}) }}");
    }
}
