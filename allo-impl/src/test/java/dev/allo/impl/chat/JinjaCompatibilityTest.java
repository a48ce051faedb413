package dev.allo.impl.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.allo.data.ChatMessage;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The Jinja features real chat templates use, rendered by {@link ChatTemplate} and compared with what Python's Jinja2
 * in {@code transformers}' environment (trim_blocks, lstrip_blocks, loopcontrols, its {@code tojson}) gives: each
 * expected string follows Python's semantics and was written by hand.
 */
class JinjaCompatibilityTest {

    private static final List<ChatMessage> CHAT = List.of(new ChatMessage("user", "hi"),
            new ChatMessage("assistant", "yo"), new ChatMessage("user", "bye"));

    private static String render(String template, Map<String, ?> variables) {
        return ChatTemplate.of("t", template, Map.of()).withVariables(variables).render(CHAT, true);
    }

    private static String render(String template) {
        return render(template, Map.of());
    }

    @Test
    void trimAndLstripBlocksAndWhitespaceControlAsInTransformers() {
        // trim_blocks drops the newline after a block tag, lstrip_blocks the indentation before it; "-" strips all
        // whitespace on its side, also for {{- expressions -}}.
        assertThat(render("{%- for m in messages %}\n    {%- if m.role == 'user' %}\n        {{- m.content }}\n"
                + "    {%- endif %}\n{%- endfor %}\n  {% if true %}\n    yes\n  {% endif %}\nend {{- ' x ' -}}  y"))
                .isEqualTo("hibye    yes\nend x y");
        assertThat(render("{% for m in messages %}\n{{ m.role }}\n{% endfor %}")).isEqualTo("user\nassistant\nuser\n");
    }

    @Test
    void loopVariablesBreakAndContinue() {
        assertThat(render("{% for m in messages %}{{ loop.index0 }}{{ loop.index }}{{ m.role[:1] }}"
                + "{% if loop.first %}F{% endif %}{% if loop.last %}L{% endif %};{% endfor %}"))
                .isEqualTo("01uF;12a;23uL;");
        assertThat(render("{% for m in messages %}{% if loop.index0 == 1 %}{% continue %}{% endif %}"
                + "{% if loop.index0 == 2 %}{% break %}{% endif %}{{ m.role }}{% endfor %}")).isEqualTo("user");
    }

    @Test
    void namespaceWithExpressionArgumentsAndAssignment() {
        assertThat(render("{% set ns = namespace(last=messages|length - 1, seen=false) %}"
                + "{% for m in messages %}{% if m.role == 'assistant' %}{% set ns.seen = true %}{% endif %}{% endfor %}"
                + "{{ ns.last }}{% if ns.seen %}S{% endif %}")).isEqualTo("2S");
    }

    @Test
    void slicingIncludingTheReversingSlice() {
        assertThat(render("{{ messages[1:]|length }}{{ messages[:1][0].content }}{{ messages[-1].content }}|"
                + "{% for m in messages[::-1] %}{{ m.content }},{% endfor %}|{{ 'héllo'[1:3] }}"))
                .isEqualTo("2hibye|bye,yo,hi,|él");
    }

    @Test
    void unaryNotBindsLooserThanTestsAndComparisonsAsInPython() {
        Map<String, Object> v = Map.of("x", "v", "n", 3);
        assertThat(render("{{ (not x is defined)|string }}|{{ (not y is defined)|string }}|{{ (not n > 2)|string }}|"
                + "{% if not x is none and n %}A{% endif %}|{% if x is not none %}B{% endif %}|"
                + "{% if x not in 'ab' %}C{% endif %}|{{ 'a' if not n > 5 else 'b' }}", v))
                .isEqualTo("False|True|False|A|B|C|a");
    }

    @Test
    void definedNoneAndTypeTests() {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("d", Map.of("k", List.of(1)));
        v.put("flag", false);
        assertThat(render("{% if nothing is defined %}D{% else %}U{% endif %}{% if messages[0].tool_calls is defined %}"
                + "T{% endif %}{% if 'role' in messages[0] %}R{% endif %}"
                + "{% if messages[0].content is string %}S{% endif %}"
                + "{% if d is mapping %}M{% endif %}{% if messages is iterable %}I{% endif %}"
                + "{% if flag is false %}F{% endif %}{% if enable is not defined %}N{% endif %}", v))
                .isEqualTo("URSMIFN");
    }

    @Test
    void pythonStringMethods() {
        assertThat(render("{{ ' a b\u00a0'.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ '\\nq\\n'.lstrip('\\n') }}|"
                + "{{ 'q\\n\\n'.rstrip('\\n') }}|{{ 'a.b.c'.split('.')|join(',') }}|{{ 'a  b '.split()|join(',') }}|"
                + "{{ 'a.b.c'.split('.', 1)|join(',') }}|"
                + "{{ 'a</think>b'.split('</think>')[-1] }}|{% if 'ab'.startswith('a') %}S{% endif %}"
                + "{% if 'ab'.endswith(('x', 'b')) %}E{% endif %}|{{ 'Ab'.upper() }}{{ 'Ab'.lower() }}|"
                + "{{ 'hello world'.title() }}|{{ 'aXa'.replace('a', 'b') }}|{{ '-'.join(['a', 'b']) }}|"
                + "{{ 'abc'.find('c') }}{{ 'abab'.count('ab') }}"))
                .isEqualTo("a b|a|q\n|q|a,b,c|a,b|a,b.c|b|SE|ABab|Hello World|bXb|a-b|22");
    }

    @Test
    void valuesPrintAsPythonAndUnknownFiltersAreRefused() {
        // Printed as Python's str() prints them (Jinjava alone: true, [a, b], {k=1}).
        assertThat(render("{{ 1 == 1 }}|{{ 'a b'.split() }}|{{ {'k': [1.0, none, \"it's\"]} }}|{{ true|string }}"))
                .isEqualTo("True|['a', 'b']|{'k': [1.0, None, \"it's\"]}|True");
        // Jinjava renders an unknown filter as empty text; the template is refused when it is created instead.
        assertThatThrownBy(() -> ChatTemplate.of("t", "{{ x | no_such_filter | trim }}{{ 'a|b' }}", Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("chat template 't' uses filter(s) [no_such_filter] that the Jinjava engine does not have");
    }

    @Test
    void trimAndLengthFilters() {
        // |trim is Python's str.strip(): it removes the no-break space that Java's String.trim() keeps.
        assertThat(render("[{{ '  q\u00a0\\n' | trim }}]{{ 'xqx' | trim('x') }}{{ messages | length }}"
                + "{{ 'héllo' | length }}")).isEqualTo("[q]q35");
        // A filter binds tighter than "+": only the content is trimmed.
        assertThat(render("{{ '<' + ' a ' | trim + '>' }}")).isEqualTo("<a>");
    }

    @Test
    void selectattrMapAndMacros() {
        assertThat(render("{{ messages | selectattr('role', 'equalto', 'user') | list | length }}"
                + "{{ messages | rejectattr('role', 'equalto', 'user') | map(attribute='role') | join(',') }}"
                + "{% macro r(m) %}<{{ m.role }}>{% endmacro %}{% for m in messages %}{{ r(m) }}{% endfor %}"
                + "{% for k, v in messages[0] | items %};{{ k }}={{ v }}{% endfor %}"))
                .isEqualTo("2assistant<user><assistant><user>;role=user;content=hi");
    }

    @Test
    void tojsonIsPythonJsonDumpsWithoutAsciiEscaping() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("b", java.util.Arrays.asList(1, 2.5, null, true));
        d.put("a", "é<\n");
        d.put("z", Map.of());
        Map<String, Object> v = Map.of("d", d, "ctl", "é\u0001\"\\\u2028");
        assertThat(render("{{ d | tojson }}", v))
                .isEqualTo("{\"b\": [1, 2.5, null, true], \"a\": \"é<\\n\", \"z\": {}}");
        assertThat(render("{{ d | tojson(indent=2) }}", v)).isEqualTo("{\n  \"b\": [\n    1,\n    2.5,\n    null,\n"
                + "    true\n  ],\n  \"a\": \"é<\\n\",\n  \"z\": {}\n}");
        assertThat(render("{{ d | tojson(sort_keys=true) }}", v))
                .isEqualTo("{\"a\": \"é<\\n\", \"b\": [1, 2.5, null, true], \"z\": {}}");
        assertThat(render("{{ d | tojson(ensure_ascii=true) }}", v))
                .isEqualTo("{\"b\": [1, 2.5, null, true], \"a\": \"\\u00e9<\\n\", \"z\": {}}");
        assertThat(render("{{ ctl | tojson }}", v)).isEqualTo("\"é\\u0001\\\"\\\\\u2028\"");
    }

    @Test
    void pythonFloatRepr() {
        assertThat(PythonJson.floatRepr(2.5)).isEqualTo("2.5");
        assertThat(PythonJson.floatRepr(1.0)).isEqualTo("1.0");
        assertThat(PythonJson.floatRepr(-0.0)).isEqualTo("-0.0");
        assertThat(PythonJson.floatRepr(1e16)).isEqualTo("1e+16");
        assertThat(PythonJson.floatRepr(123456789012345.6)).isEqualTo("123456789012345.6");
        assertThat(PythonJson.floatRepr(0.0001)).isEqualTo("0.0001");
        assertThat(PythonJson.floatRepr(0.00001)).isEqualTo("1e-05");
        assertThat(PythonJson.floatRepr(1.5e-7)).isEqualTo("1.5e-07");
        assertThat(PythonJson.floatRepr(1e22)).isEqualTo("1e+22");
        assertThat(PythonJson.floatRepr(Double.NaN)).isEqualTo("NaN");
    }

    @Test
    void strftimeNowReadsTheClockAndIsDefined() {
        Clock clock = Clock.fixed(Instant.parse("2025-02-03T23:30:00Z"), ZoneId.of("Asia/Tokyo"));
        ChatTemplate t = ChatTemplate.of("t", "{% if strftime_now is defined %}{{ strftime_now('%d %b %Y, %A %H:%M') }}"
                + "{% endif %}", Map.of()).withClock(clock);
        assertThat(t.render(CHAT, false)).isEqualTo("04 Feb 2025, Tuesday 08:30");
    }

    @Test
    void messageTextIsNeverInterpretedAsTemplateCode() {
        ChatTemplate t = ChatTemplate.of("t", "{% for m in messages %}{{ m.content }}{% endfor %}", Map.of());
        assertThat(t.render(List.of(new ChatMessage("user", "{{ 7 * 6 }} {% if %} {# c #}")), false))
                .isEqualTo("{{ 7 * 6 }} {% if %} {# c #}");
    }

    @Test
    void specialTokensAndGenerationPromptAreVariables() {
        ChatTemplate t = ChatTemplate.of("t", "{{ bos_token }}{% if add_generation_prompt %}G{% endif %}"
                + "{{ eos_token }}{% if pad_token is defined %}P{% endif %}", Map.of("bos_token", "<s>", "eos_token",
                "</s>"));
        assertThat(t.render(CHAT, true)).isEqualTo("<s>G</s>");
        assertThat(t.render(CHAT, false)).isEqualTo("<s></s>");
    }

    @Test
    void raiseExceptionCarriesTheTemplatesMessage() {
        assertThatThrownBy(() -> render("{{ raise_exception('bad role ' ~ messages[0].role) }}"))
                .isInstanceOfSatisfying(ChatTemplateException.class, e -> {
                    assertThat(e.raisedByTemplate()).isTrue();
                    assertThat(e.templateMessage()).isEqualTo("bad role user");
                    assertThat(e.getMessage()).isEqualTo("chat template 't' raised an exception: bad role user");
                });
    }

    @Test
    void brokenTemplatesFailWithTheLine() {
        assertThatThrownBy(() -> render("ok\n{{ no_such_function(messages) }}"))
                .isInstanceOfSatisfying(ChatTemplateException.class, e -> {
                    assertThat(e.raisedByTemplate()).isFalse();
                    assertThat(e.getMessage()).contains("failed to render").contains("template line 2");
                });
        assertThatThrownBy(() -> render("{% for m in messages %}"))
                .isInstanceOf(ChatTemplateException.class).hasMessageContaining("failed to render");
    }

    @Test
    void reservedVariablesCannotBeGiven() {
        ChatTemplate t = ChatTemplate.of("t", "x", Map.of("bos_token", "<s>"));
        assertThatThrownBy(() -> t.withVariables(Map.of("messages", List.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'messages'");
        assertThatThrownBy(() -> t.withVariables(Map.of("bos_token", "x")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'bos_token'");
        assertThatThrownBy(() -> ChatTemplate.of("t", "x", Map.of("beginning", "<s>")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown special token 'beginning'");
    }
}
