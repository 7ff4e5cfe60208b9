#!/usr/bin/env python3
"""deps_scan.py FILE... - the external programs and Python modules that shell scripts, Python
scripts and a Makefile call, found by reading them (nothing is run): one line per use,
"program<TAB>NAME<TAB>FILE:LINE", "module<TAB>NAME<TAB>FILE:LINE" or "script<TAB>PATH<TAB>
FILE:LINE" (a repository script that is run: it must exist).

Shell (and Makefile recipes): the word in command position - at the start of a command, after
| || && ; ( $( ` and the keywords (then, do, else, if, while, !, ...), after leading VAR=value
assignments and after the wrappers exec, command, env, nohup, xargs, timeout N, and the test
functions wait_for N and run LABEL, and ip netns exec NS - when it is a plain name. Quoted text is not code, but $( ) inside double
quotes is; heredoc bodies are data, except that Python read from them is scanned as Python.
Names of shell functions defined in any scanned file, shell builtins and keywords are left out.
Python: the first element of a list literal passed to subprocess or assigned to cmd, names
given to shutil.which, and imported modules that are not in Python's standard library.
Used by tests/integration/deps_listed.sh; limits: a program run through a variable ("$SW") or
a wrapper function not listed above is not seen.
"""
import re
import sys

KEYWORDS = {"if", "then", "else", "elif", "fi", "for", "in", "do", "done", "while", "until",
            "case", "esac", "function", "select", "time", "!", "{", "}", "[[", "]]"}
BUILTINS = {".", ":", "[", "alias", "bg", "break", "cd", "command", "continue", "echo", "eval",
            "exec", "exit", "export", "false", "fg", "getopts", "hash", "jobs", "kill", "local",
            "printf", "pwd", "read", "readonly", "return", "set", "shift", "source", "test",
            "times", "trap", "true", "type", "ulimit", "umask", "unalias", "unset", "wait"}
# Words after which the next word is again in command position; some take arguments first.
WRAPPERS = {"exec": 0, "command": 0, "nohup": 0, "xargs": 0, "env": 0, "timeout": 1,
            "wait_for": 1, "run": 1}  # wait_for N CMD (run_live.sh), run LABEL CMD (bench.sh)
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.+-]*$")
ASSIGN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")


def blank_strings(text):
    """Shell text with the contents of quotes replaced by % and comments by spaces (lengths and
    newlines kept), except command substitutions $( ) inside double quotes."""
    out = list(text)
    i, n = 0, len(text)
    stack = ["code"]  # code | dq | sub (a $( ) inside double quotes)
    depth = []        # parenthesis depth at which each "sub" started
    paren = 0
    while i < n:
        c = text[i]
        mode = stack[-1]
        if mode in ("code", "sub"):
            if c == "\\" and i + 1 < n:
                i += 2
                continue
            if c == "$" and text[i + 1:i + 3] == "((":  # arithmetic: no command in it
                j, d = i + 1, 0
                while j < n:
                    d += {"(": 1, ")": -1}.get(text[j], 0)
                    if d == 0:
                        break
                    j += 1
                for k in range(i, min(j + 1, n)):
                    if out[k] != "\n":
                        out[k] = " "
                i = j + 1
                continue
            if c == "$" and text[i + 1:i + 2] == "{":  # ${VAR:-word}: a word, not a command
                j = text.find("}", i)
                j = n - 1 if j < 0 else j
                for k in range(i, j + 1):
                    if out[k] != "\n":
                        out[k] = " "
                i = j + 1
                continue
            if c == "'":
                j = text.find("'", i + 1)
                j = n - 1 if j < 0 else j
                for k in range(i + 1, j):
                    if out[k] != "\n":
                        out[k] = "%"  # a word stays one word (and is no name)
                i = j + 1
                continue
            if c == '"':
                stack.append("dq")
                i += 1
                continue
            if c == "#" and (i == 0 or text[i - 1] in " \t\n;|&(") and text[i - 1:i] != "$":
                j = text.find("\n", i)
                j = n if j < 0 else j
                for k in range(i, j):
                    out[k] = " "
                i = j
                continue
            if c == "(":
                paren += 1
            elif c == ")":
                paren -= 1
                if mode == "sub" and depth and paren == depth[-1]:
                    stack.pop()
                    depth.pop()
            i += 1
            continue
        # inside double quotes
        if c == "\\" and i + 1 < n:
            out[i] = out[i + 1] = "%" if text[i + 1] != "\n" else "\n"
            i += 2
            continue
        if c == '"':
            stack.pop()
            i += 1
            continue
        if c == "$" and text[i + 1:i + 2] == "(" and text[i + 2:i + 3] != "(":
            depth.append(paren)
            paren += 1
            stack.append("sub")
            i += 2
            continue
        if c == "`":
            out[i] = "`"
            i += 1
            continue
        if c != "\n":
            out[i] = "%"
        i += 1
    return "".join(out)


HEREDOC = re.compile(r"<<-?\s*(['\"]?)([A-Za-z_][A-Za-z0-9_]*)\1")


def split_heredocs(lines):
    """[(lineno, code line)], [(lineno, body line)]: heredoc bodies taken out of the code."""
    code, bodies = [], []
    pending = []
    i = 0
    while i < len(lines):
        line = lines[i]
        code.append((i + 1, line))
        pending += [m.group(2) for m in HEREDOC.finditer(line)]
        i += 1
        while pending and i < len(lines):
            end = pending.pop(0)
            while i < len(lines) and lines[i].strip() != end:
                bodies.append((i + 1, lines[i]))
                code.append((i + 1, ""))
                i += 1
            if i < len(lines):
                code.append((i + 1, ""))
                i += 1
    return code, bodies


SEP = re.compile(r"\|\||&&|[|;&(){}`]|\$\(|\bthen\b|\bdo\b|\belse\b|\belif\b|\bif\b|"
                 r"\bwhile\b|\buntil\b|!")


def shell_commands(text, funcs):
    """[(lineno, name)] of the words in command position of shell text."""
    lines = text.split("\n")
    code, bodies = split_heredocs(lines)
    joined = "\n".join(l for _, l in code).replace("\\\n", "  ")
    joined = blank_strings(joined)
    found = []
    case_depth = 0
    for ln, line in enumerate(joined.split("\n"), 1):
        if re.search(r"\bcase\b.*\bin\b", line):
            case_depth += 1
            line = re.sub(r"\bcase\b.*?\bin\b", " ", line)
        if case_depth and re.match(r"\s*\(?[^()]*\)", line) and "$(" not in line.split(")")[0]:
            line = line[line.index(")") + 1:]  # a case pattern, not a command
        if re.search(r"\besac\b", line):
            case_depth -= 1
        parts = re.split("(" + SEP.pattern + ")", line)
        # parts: piece, separator, piece, ...; text right after ")" or "}" ends a word
        # ("$(cmd)_H"), it does not start a command.
        pieces = [p for i, p in enumerate(parts) if i % 2 == 0 and
                  not (i > 0 and parts[i - 1] in (")", "}") and p[:1] not in ("", " ", "\t"))]
        for piece in pieces:
            words = piece.split()
            k = 0
            while k < len(words) and ASSIGN.match(words[k]):
                k += 1
            while k < len(words):
                w = words[k]
                if w == "ip" and words[k + 1:k + 3] == ["netns", "exec"]:
                    k += 4  # ip netns exec NS CMD: both ip and CMD run
                    found.append((ln, "ip"))
                    continue
                if w in WRAPPERS:
                    k += 1 + WRAPPERS[w]
                    while k < len(words) and words[k].startswith("-"):
                        k += 1
                    continue
                break
            if k >= len(words):
                continue
            w = words[k]
            if w in KEYWORDS or w in BUILTINS or w in funcs or not NAME.match(w):
                continue
            found.append((ln, w))
    return found, bodies


def shell_functions(text):
    return set(re.findall(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*\(\)", text, re.M))


STDLIB = set(getattr(sys, "stdlib_module_names", ())) | {"__future__"}
PY_CMD = [re.compile(r"subprocess\.\w+\(\s*\[\s*[\"']([A-Za-z_][\w.+-]*)[\"']"),
          re.compile(r"\bcmd\s*=\s*\[\s*[\"']([A-Za-z_][\w.+-]*)[\"']"),
          re.compile(r"shutil\.which\(\s*[\"']([A-Za-z_][\w.+-]*)[\"']")]
PY_IMPORT = re.compile(r"^\s*(?:import\s+([\w.]+(?:\s*,\s*[\w.]+)*)|from\s+([\w.]+)\s+import)")


def python_uses(lines, local_modules):
    """[(lineno, kind, name)] of a Python text given as [(lineno, line)]."""
    out = []
    for ln, line in lines:
        for rx in PY_CMD:
            for m in rx.finditer(line):
                out.append((ln, "program", m.group(1)))
        m = PY_IMPORT.match(line)
        if m:
            mods = m.group(1).split(",") if m.group(1) else [m.group(2)]
            for mod in mods:
                top = mod.strip().split(".")[0]
                if top and top not in STDLIB and top not in local_modules:
                    out.append((ln, "module", top))
    return out


COMPILER = re.compile(r"\bCC=\$\{CC:-([\w.+-]+)\}|^\s*CC\s*[:?]?=\s*([A-Za-z][\w.+-]*)\s*$")
SCRIPT = re.compile(r"(?<![\w/.-])((?:tests|agent|rules|systemd)/[\w/.-]+\.(?:sh|py|inc))\b")


def makefile_recipes(text):
    """The Makefile as shell text: recipe lines (tab-led, @/-/$(Q) dropped, $$ -> $) and the
    commands of $(shell ...); other lines blank, so line numbers stay."""
    out = []
    for line in text.split("\n"):
        line = re.sub(r"\$\([A-Za-z0-9_]+\)|\$[@<^*]", "MAKEVAR", line)
        shells = re.findall(r"\$\(shell\s+([^()]*)\)", line)
        # other make functions ($(dir ...), $(addprefix ...), $(if ...)): not commands
        line = re.sub(r"\$\([a-z]+ [^()]*\)", "MAKEVAR", line)
        if line.startswith("\t"):
            s = line[1:].lstrip()
            s = re.sub(r"^(?:@|-|MAKEVAR)+", "", s)
            s = s.replace("$$", "$")
            out.append(s)
        elif shells:
            out.append("; ".join(shells))
        else:
            out.append("")
    return "\n".join(out)


def main():
    files = sys.argv[1:]
    texts = {}
    for f in files:
        with open(f, encoding="utf-8") as fh:
            texts[f] = fh.read()
    funcs = set()
    for f, t in texts.items():
        if not f.endswith(".py"):
            funcs |= shell_functions(t)
    local_modules = {f.rsplit("/", 1)[-1][:-3] for f in files if f.endswith(".py")}
    for f, t in texts.items():
        uses = []
        if f.endswith(".py"):
            uses = python_uses(list(enumerate(t.split("\n"), 1)), local_modules)
        else:
            shell = makefile_recipes(t) if f.endswith("Makefile") else t
            cmds, bodies = shell_commands(shell, funcs)
            uses = [(ln, "program", w) for ln, w in cmds if w != "MAKEVAR"]
            uses += python_uses(bodies, local_modules)
            for ln, line in enumerate(shell.split("\n"), 1):
                if line.lstrip().startswith("#"):
                    continue
                for m in SCRIPT.finditer(line):
                    uses.append((ln, "script", m.group(1)))
            # The compiler, named by a variable: CC=${CC:-cc} (shell), CC ?= cc (make).
            for ln, line in enumerate(t.split("\n"), 1):
                for m in COMPILER.finditer(line):
                    uses.append((ln, "program", m.group(1) or m.group(2)))
        for ln, kind, name in uses:
            print("%s\t%s\t%s:%d" % (kind, name, f, ln))
    return 0


if __name__ == "__main__":
    sys.exit(main())
