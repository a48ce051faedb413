#!/usr/bin/env python3
"""Reference renderings of chat templates, as Hugging Face transformers' apply_chat_template renders them.

Renders every template folder under TEMPLATES (each a tokenizer_config.json with a `chat_template`, or a
chat_template.jinja beside it) for a fixed set of conversations and writes the results to OUT as JSON; the Java test
ChatTemplateReferenceTest renders the same folders and conversations with the library and compares exactly, and
checks the prompt/completion split of each conversation that ends with an assistant message.

The environment is transformers' own (chat_template_utils._compile_jinja_template and render_jinja_template, 4.5x):
jinja2 >= 3.1 ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[AssistantTracker,
loopcontrols]) (the {% generation %} tag of AssistantTracker renders its body; the mask it records is not used); the
filter `tojson` replaced by json.dumps(x, ensure_ascii=False, indent, separators, sort_keys); the globals
`raise_exception` (raises TemplateError(message)) and `strftime_now`; the render variables are the tokenizer's
special tokens (special_tokens_map: the configured, non-null tokens), `messages`, `tools=None`, `documents=None`,
`add_generation_prompt` and the keyword arguments. One deliberate change: strftime_now reads the fixed time CLOCK
instead of datetime.now(), so that the expected strings do not depend on the day they are made (the Java test
renders with the same fixed clock).

Usage (python3 with jinja2 3.1; no transformers or torch needed):
    python3 allo-impl/src/test/python/render_chat_templates.py \
        allo-impl/src/test/resources/chat-templates allo-impl/src/test/resources/chat-templates/renderings.json
"""

import argparse
import datetime
import json
import os
import sys

import jinja2
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment

CLOCK = datetime.datetime(2024, 9, 5, 12, 0, 0, tzinfo=datetime.timezone.utc)
SPECIAL_TOKENS = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]


def _user(text):
    return {"role": "user", "content": text}


def _assistant(text):
    return {"role": "assistant", "content": text}


SYSTEM = {"role": "system", "content": "You are terse."}
WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Current weather at a place, in °C.",
    "parameters": {"type": "object", "properties": {
        "place": {"type": "string", "description": "City, e.g. \"Zürich\""},
        "days": {"type": "integer", "minimum": 1, "maximum": 7.5},
        "units": {"type": "string", "enum": ["c", "f"], "nullable": None, "strict": True}},
        "required": ["place"]}}}

# (name, messages, keyword arguments); each is rendered with add_generation_prompt true and false.
CONVERSATIONS = [
    ("single-user", [_user("What is 2+2?")], {}),
    ("system-multi-turn", [SYSTEM, _user("Hi"), _assistant("Hello. "), _user("What is 2+2?")], {}),
    ("multi-turn", [_user("Hi"), _assistant("Hello. "), _user("What is 2+2?")], {}),
    # Leading spaces and a trailing no-break space (Python's strip() removes both), accents, a dash, CJK, emoji.
    ("unicode", [_user("  Grüße aus Köln – 東京 🌸\u00a0"), _assistant("Привет! «Ça va» 🙂 ¿Qué? 日本語")], {}),
    ("assistant-last", [_user("What is 2+2?"), _assistant("4")], {}),
    ("system-assistant-last", [SYSTEM, _user("Hi"), _assistant("Hello."), _user("2+2?"), _assistant("4")], {}),
    # Reasoning in the content (Qwen3 splits it off at </think>); other templates print it as it is.
    ("thinking", [_user("2+2?"), _assistant("<think>\nAdd them.\n</think>\n\n4"), _user("And 3+3?"),
                  _assistant("<think>\nAgain.\n</think>\n\n6")], {}),
    ("thinking-disabled", [_user("2+2?")], {"enable_thinking": False}),
    ("date-string", [_user("Today?")], {"date_string": "01 Jan 2025"}),
    # Roles out of turn: templates that check alternation raise.
    ("two-users", [_user("a"), _user("b")], {}),
    ("system-only-user", [{"role": "system", "content": "  Be brief.\n"}, _user("ok")], {}),
    # A tool result is a message with role "tool" and string content.
    ("tool-result", [_user("Weather in Paris?"), _assistant("Checking."),
                     {"role": "tool", "content": "{\"temp\": 21, \"sky\": \"clear ☀\"}"}], {}),
    # Template text in a message stays text; so do the template's own markers.
    ("template-like-content", [_user("{{ bos_token }} {% if x %}</think> <|im_end|>\n\n"), _assistant(" ok ")], {}),
    # An answer that Jinjava alone would call false in a test such as {% if message.content %}.
    ("false-answer", [_user("Is 7 even?"), _assistant("False")], {}),
    # Tool schemas (apply_chat_template's `tools`), printed by the templates with tojson.
    ("tools", [SYSTEM, _user("Weather in Paris?")], {"tools": [WEATHER_TOOL]}),
    ("tools-in-system", [SYSTEM, _user("Weather in Paris?")],
     {"tools": [WEATHER_TOOL], "tools_in_user_message": False}),
]


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def strftime_now(fmt):
    return CLOCK.strftime(fmt)


class Generation(Extension):
    """transformers' AssistantTracker without the tracking: {% generation %}...{% endgeneration %} renders its body
    (apply_chat_template only records where it was when asked for the assistant-token mask)."""
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_body"), [], [], body).set_lineno(lineno)

    def _body(self, caller):
        return caller()


def environment():
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[Generation, loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


def token_text(value):
    if isinstance(value, dict):
        return value.get("content")
    return value


def load(folder):
    with open(os.path.join(folder, "tokenizer_config.json"), encoding="utf-8") as f:
        config = json.load(f)
    template = config.get("chat_template")
    if isinstance(template, list):
        template = next(t["template"] for t in template if t["name"] == "default")
    if template is None:
        with open(os.path.join(folder, "chat_template.jinja"), encoding="utf-8") as f:
            template = f.read()
    tokens = {}
    for name in SPECIAL_TOKENS:
        text = token_text(config.get(name))
        if text is not None:
            tokens[name] = text
    extra = [token_text(t) for t in config.get("additional_special_tokens") or []]
    if extra:
        tokens["additional_special_tokens"] = extra
    return template, tokens


def render(env, template, tokens, messages, add_generation_prompt, kwargs):
    compiled = env.from_string(template)
    variables = dict(tokens)
    variables.update(kwargs)
    # apply_chat_template's own parameters; every other keyword argument is a template variable.
    tools = variables.pop("tools", None)
    documents = variables.pop("documents", None)
    try:
        return {"expected": compiled.render(messages=messages, tools=tools, documents=documents,
                                            add_generation_prompt=add_generation_prompt, **variables)}
    except Exception as e:  # pylint: disable=broad-except; apply_chat_template lets every one of these through
        # TemplateError itself is the template's raise_exception; anything else (UndefinedError: an undefined value
        # used in an operation; TypeError from tojson) is a failure of the template on this conversation.
        raised = type(e) is jinja2.exceptions.TemplateError
        return {"error": str(e) if raised else type(e).__name__ + ": " + str(e), "raised": raised}


def splits(env, template, tokens):
    """TRL's maybe_apply_chat_template on each conversation that ends with an assistant message: the prompt text is
    the rendering of the messages before it with the generation prompt, the completion what the whole conversation's
    rendering adds after that; `prefix` says whether the prompt text is a prefix of the whole rendering (TRL cuts at
    the common prefix otherwise; the library refuses the line)."""
    out = []
    for case, messages, kwargs in CONVERSATIONS:
        if messages[-1]["role"] != "assistant":
            continue
        prompt = render(env, template, tokens, messages[:-1], True, kwargs)
        full = render(env, template, tokens, messages, False, kwargs)
        if "expected" not in prompt or "expected" not in full:
            continue  # the template raises; the renderings record that
        entry = {"case": case, "messages": messages, "kwargs": kwargs, "prompt": prompt["expected"],
                 "prefix": full["expected"].startswith(prompt["expected"])}
        if entry["prefix"]:
            entry["completion"] = full["expected"][len(prompt["expected"]):]
        out.append(entry)
    return out


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("templates", help="folder of template folders (each with a tokenizer_config.json)")
    parser.add_argument("out", help="JSON file to write")
    args = parser.parse_args(argv)
    env = environment()
    result = {
        "renderer": "jinja2 " + jinja2.__version__ + ", transformers' apply_chat_template environment",
        "clock": CLOCK.isoformat(),
        "templates": [],
    }
    for name in sorted(os.listdir(args.templates)):
        folder = os.path.join(args.templates, name)
        if not os.path.isfile(os.path.join(folder, "tokenizer_config.json")):
            continue
        template, tokens = load(folder)
        cases = []
        for case, messages, kwargs in CONVERSATIONS:
            for add_generation_prompt in (True, False):
                entry = {"case": case, "messages": messages, "add_generation_prompt": add_generation_prompt,
                         "kwargs": kwargs}
                entry.update(render(env, template, tokens, messages, add_generation_prompt, kwargs))
                cases.append(entry)
        result["templates"].append({"folder": name, "renderings": cases,
                                    "splits": splits(env, template, tokens)})
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)
        f.write("\n")
    os.replace(tmp, args.out)


if __name__ == "__main__":
    main(sys.argv[1:])
