#!/usr/bin/env python3
"""The REPL driven through a pseudo-terminal, as a person would use it.

    python3 Tests/repl/repl_test.py [path/to/guichet]

Each test starts `guichet --sandbox` (the REPL opens because stdin is a
terminal), types, and checks what the screen shows."""
import os
import re
import sys
import tempfile
import time
import traceback

import pexpect

BINARY = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("GUICHET_BIN", ".build/debug/guichet")
PROMPT = "\r\n> |^> "
failures = []
passed = 0


def spawn(home, *args, extra=None):
    env = dict(os.environ, XDG_STATE_HOME=home + "/state", XDG_CONFIG_HOME=home + "/config",
               NO_COLOR="1", TERM="xterm", DS_API_TOKEN="", DS_INSTRUCTEUR="")
    env.update(extra or {})
    child = pexpect.spawn(BINARY, list(args) or ["--sandbox"], env=env, encoding="utf-8", timeout=15,
                          dimensions=(40, 200))
    child.expect("Tab completes")
    child.expect("> ")
    return child


def test(name):
    def wrap(fn):
        global passed
        home = tempfile.mkdtemp(prefix="guichet-repl-")
        try:
            fn(home)
            passed += 1
        except Exception as error:
            detail = traceback.format_exc(limit=2)
            failures.append(f"{name}: {error}\n{detail}")
        return fn
    return wrap


def leave(child):
    """Ctrl-D at a fresh prompt, as a person would press it."""
    child.expect(r"(?:\r\n|^)> ")
    child.sendeof()
    child.expect(pexpect.EOF)


def screen(child):
    """What the REPL printed since the last expect (for messages)."""
    return (child.before or "") + (child.after if isinstance(child.after, str) else "")


@test("expressions print their results; = means return; statements print nothing")
def expressions(home):
    r = spawn(home)
    r.sendline("1 + 1")
    r.expect(r"\r\n2\r\n")
    r.sendline("=math.maxinteger, 2.5, 'é'")
    r.expect(r"9223372036854775807\r\n2.5\r\n\"é\"")
    r.sendline("x = 41")
    r.expect("> ")
    r.sendline("x + 1")
    r.expect("42")
    r.sendline("{b = {1, 2}, a = 'z'}")
    r.expect(r'\{ a = "z", b = \{ 1, 2 \} \}')
    leave(r)


@test("a multi-line function continues on >> and is kept whole in history")
def multiline(home):
    r = spawn(home)
    r.sendline("function double(x)")
    r.expect(">> ")
    r.sendline("  return x * 2")
    r.expect(">> ")
    r.sendline("end")
    r.expect("> ")
    r.sendline("=double(21)")
    r.expect("42")
    leave(r)
    history = open(home + "/state/guichet/history", encoding="utf-8").read()
    assert '"function double(x)\\n  return x * 2\\nend"' in history, history
    assert oct(os.stat(home + "/state/guichet/history").st_mode & 0o777) == "0o600"
    # A new session gets the multi-line entry back with the up arrow, whole.
    r = spawn(home)
    r.send("\x1b[A\x1b[A")  # up twice: the function, not "=double(21)"
    r.send("\r")
    r.expect("> ")
    r.sendline("=double(4)")
    r.expect(r"\r\n8\r\n")
    leave(r)


@test("errors print a message and a short traceback; the REPL goes on")
def errors(home):
    r = spawn(home)
    r.sendline("error('boom')")
    r.expect("stdin:1: boom")
    r.expect("stack traceback")
    r.expect("> ")
    r.sendline("json.decode('{')")
    r.expect(r"\[json\] invalid JSON at byte 2")
    r.sendline("=1")
    r.expect(r"\r\n1\r\n")
    leave(r)


@test("Tab completes globals, module fields, object fields and methods")
def completion(home):
    # The screen is redrawn with cursor moves, so completions are checked by
    # what the completed line does, or by the letters Tab added.
    r = spawn(home)
    r.send("ds.dos\t")
    r.expect("sier")
    r.send("(100001)\r")
    r.expect(r"<Dossier 100001 ")
    r.sendline("d = ds.dossier(100001)")
    r.expect("> ")
    r.send("d.sta\t")
    r.expect("te")
    r.send("\r")
    r.expect('"refuse"|"accepte"|"en_instruction"|"en_construction"|"sans_suite"')
    r.send("d:acc\t")
    r.expect("ept")
    r.send("\x15\r")  # clear the line
    r.expect("> ")
    r.send("d:\t\t")
    r.expect("passer_en_instruction")
    r.send("\x15\r")
    r.expect("> ")
    r.send("emjpm.mes\t\t")
    r.expect("mesures")
    r.send("\x15\r")
    leave(r)


@test("Ctrl-C at the prompt clears the line; during Lua code it interrupts; never ends the REPL")
def interrupts(home):
    r = spawn(home)
    r.send("this is not lua")
    time.sleep(0.2)
    r.sendintr()
    time.sleep(0.2)
    r.sendline("=7")
    r.expect(r"\r\n7\r\n")
    r.sendline("while true do end")
    time.sleep(0.5)
    r.sendintr()
    r.expect("interrupted")
    r.expect("> ")
    r.sendline("while true do end")
    time.sleep(0.3)
    r.sendintr()
    r.expect("interrupted")
    r.sendline("=8")
    r.expect(r"\r\n8\r\n")
    leave(r)


@test("Ctrl-C during a slow request cancels it and returns to the prompt")
def interrupt_request(home):
    r = spawn(home)
    r.sendline('sandbox.fault{kind = "slow", seconds = 20}')
    r.expect("> ")
    started = time.time()
    r.sendline("ds.dossier(100002)")
    time.sleep(1)
    r.sendintr()
    r.expect(r"\[interrupted\]")
    r.expect("> ")
    assert time.time() - started < 10, "the request was not cancelled"
    r.sendline("=ds.dossier(100002).number")
    r.expect(r"\r\n100002\r\n")
    leave(r)


@test("an expired DS token: the REPL explains, logs in again in place, retries; the token stays out of history")
def relogin(home):
    r = spawn(home)
    r.sendline("sandbox.expire_token(sandbox.ds_tokens.admin)")
    r.expect("> ")
    r.sendline("=ds.dossier(100001).number")
    r.expect("has expired")
    r.expect(r"Log in to ds again now, and retry\? \[Y/n\]")
    r.sendline("y")
    r.expect("API token")
    r.sendline("sandbox-ds-token-readonly")
    r.expect(r"\r\n100001\r\n")
    leave(r)
    history = open(home + "/state/guichet/history", encoding="utf-8").read()
    assert "sandbox-ds-token-readonly" not in history, history
    assert '"=ds.dossier(100001).number"' in history


@test("a line that passes a credential never reaches history, even when the call fails")
def credentials_out_of_history(home):
    r = spawn(home)
    r.sendline('ds.config{token = "abc-secret-xyz", dryrun = true}')
    r.expect("unknown option 'dryrun'")
    r.sendline('conf = {["client_secret"] = "cs-secret-123"}')
    r.expect("> ")
    r.sendline("x = { refresh_token = 'rt-secret-456' }")
    r.expect("> ")
    r.sendline('emjpmPassword = "pw-secret-789"')
    r.expect("> ")
    r.sendline('local t = {apiKey="ak-secret-000"}')
    r.expect("> ")
    r.sendline("=1 + 2 == 3, #conf")
    r.expect("true")
    r.sendline('token_count = nil; print(type(token_count) == "nil")')
    r.expect("true")
    leave(r)
    history = open(home + "/state/guichet/history", encoding="utf-8").read()
    for secret in ["abc-secret-xyz", "cs-secret-123", "rt-secret-456", "pw-secret-789", "ak-secret-000"]:
        assert secret not in history, history
    assert '"=1 + 2 == 3, #conf"' in history, history


@test("an eMJPM token expiring mid-session is renewed with a one-line notice")
def emjpm_refresh(home):
    r = spawn(home)
    r.sendline("=emjpm.user().email")
    r.expect("service@sandbox-emjpm.fr")
    r.sendline('=guichet.sleep(0) or os.execute("curl -s -X POST -H content-type:application/json -d \'{\\"expire_access\\":true}\' " .. sandbox.url() .. "/__sandbox/emjpm/settings >/dev/null")')
    r.expect("> ")
    r.sendline("=emjpm.user().email")
    r.expect("eMJPM session renewed")
    r.expect("service@sandbox-emjpm.fr")
    leave(r)


@test("an RDV session evicted mid-session (a sign-in elsewhere) is renewed with a one-line notice")
def rdv_renewal(home):
    r = spawn(home)
    r.sendline("=rdv.me().email")
    r.expect("agent@sandbox-rdv.fr")
    r.sendline("sandbox.evict_rdv_session()")
    r.expect("> ")
    r.sendline("=rdv.me().email")
    r.expect("RDV-Solidarités session renewed")
    r.expect("agent@sandbox-rdv.fr")
    leave(r)


@test("RDV without a stored password: an ended session asks for it in place, reruns the line, keeps it out of history")
def rdv_relogin(home):
    import socket
    import subprocess
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([BINARY, "sandbox", "--port", str(port), "--exit-with-stdin"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        while "listening" not in (server.stdout.readline() or "listening"):
            pass
        url = f"http://127.0.0.1:{port}"
        env = dict(os.environ, XDG_STATE_HOME=home + "/state", XDG_CONFIG_HOME=home + "/config", NO_COLOR="1",
                   RDV_API_URL="", RDV_EMAIL="", RDV_PASSWORD="")
        login = subprocess.run([BINARY, "login", "rdv", "--url", url, "--email", "agent@sandbox-rdv.fr", "--no-store-password"],
                               input="sandbox-rdv-password\n", capture_output=True, text=True, env=env, timeout=30)
        assert login.returncode == 0, login.stderr
        r = spawn(home, "-i", extra={"RDV_API_URL": "", "RDV_EMAIL": "", "RDV_PASSWORD": ""})
        r.sendline("=rdv.me().id")
        r.expect(r"\r\n1\r\n")
        # A script beside the REPL uses the same stored session: the server saw the login's sign-in only.
        other = subprocess.run([BINARY, "-e", "print(rdv.me().id)"], capture_output=True, text=True, env=env, timeout=30)
        assert other.stdout == "1\n", other.stderr
        stats = subprocess.run(["curl", "-s", url + "/__sandbox/rdv/stats"], capture_output=True, text=True, timeout=30).stdout
        assert '"sign_ins":1' in stats.replace(" ", ""), stats
        subprocess.run(["curl", "-s", "-X", "POST", "-H", "content-type: application/json", "-d", "{}", url + "/__sandbox/rdv/evict"],
                       capture_output=True, timeout=30)
        r.sendline("=rdv.me().email")
        r.expect("no password is stored")
        r.expect(r"Log in to rdv again now, and retry\? \[Y/n\]")
        r.sendline("y")
        r.expect("Password of agent@sandbox-rdv.fr")
        r.sendline("sandbox-rdv-password")
        r.expect("agent@sandbox-rdv.fr\r\n")
        leave(r)
        history = open(home + "/state/guichet/history", encoding="utf-8").read()
        assert "sandbox-rdv-password" not in history, history
        assert '"=rdv.me().email"' in history, history
    finally:
        server.stdin.close()
        server.wait(timeout=30)


@test("help() and help(object) work in the REPL; the banner says it is the sandbox")
def help_and_banner(home):
    r = spawn(home)
    r.sendline("help()")
    r.expect("guichet modules")
    r.expect("ds ")
    r.sendline("help(ds.dossier(100001))")
    r.expect("Dossier: ")
    r.expect("methods:")
    leave(r)
    child = pexpect.spawn(BINARY, ["--sandbox"], env=dict(os.environ, XDG_STATE_HOME=home, XDG_CONFIG_HOME=home, NO_COLOR="1"),
                          encoding="utf-8", timeout=15)
    child.expect(r"guichet \d")
    child.expect("sandbox: http://127.0.0.1")
    leave(child)


@test("guichet -i runs a script, then opens the REPL with its globals")
def interactive_after_script(home):
    script = home + "/s.lua"
    open(script, "w").write("answer = 42\n")
    env = dict(os.environ, XDG_STATE_HOME=home, XDG_CONFIG_HOME=home, NO_COLOR="1")
    r = pexpect.spawn(BINARY, ["-i", script], env=env, encoding="utf-8", timeout=15)
    r.expect("> ")
    r.sendline("=answer")
    r.expect("42")
    leave(r)


@test("apidae: an objet prints as one line and completes with Tab; a line holding the project's key stays out of history")
def apidae_objects_and_key(home):
    key = "apidae-sandbox-key-" + "full-4b7e2c91d0"
    r = spawn(home)
    r.sendline("o = apidae.objet(5000108)")
    r.expect("> ")
    r.sendline("o")
    r.expect("<Objet 5000108 RESTAURATION · Crêperie « Ker Ysé » · Annonay>")
    r.send("o.locali\t")
    r.expect("sation")
    r.send(".adresse.commune.nom\r")
    r.expect('"Annonay"')
    r.sendline("r = apidae.recherche{selectionIds = {64001}}")
    r.expect("> ")
    r.send("r.numF\t")
    r.expect("ound")
    r.send("\r")
    r.expect(r"\r\n42\r\n")
    r.sendline('k = "' + key + '"')
    r.expect("> ")
    r.sendline("=#k")
    r.expect(r"\r\n34\r\n")
    leave(r)
    history = open(home + "/state/guichet/history", encoding="utf-8").read()
    assert "apidae-sandbox-key" not in history, "the Apidae key reached the history"
    assert '"o = apidae.objet(5000108)"' in history or "o = apidae.objet(5000108)" in history, "history kept the other lines"


@test("apidae: an Accès interdit offers to log in again; another project's key read without echo, the call retried")
def apidae_relogin(home):
    r = spawn(home)
    r.sendline('=sandbox.apidae_project("limited")')
    r.expect("7002")
    r.sendline("=apidae.utilisateur(20001).id")
    r.expect("Accès interdit")
    r.expect(r"Log in to apidae again now, and retry\? \[Y/n\]")
    r.sendline("y")
    r.expect(r"Apidae projetId \[7002\]: ")
    r.sendline("7001")
    r.expect("API key of Apidae project 7001")
    r.sendline("apidae-sandbox-key-" + "full-4b7e2c91d0")
    r.expect(r"\r\n20001\r\n")
    leave(r)
    history = open(home + "/state/guichet/history", encoding="utf-8").read()
    assert "apidae-sandbox-key" not in history, "the Apidae key reached the history"


@test("every service's secret variables stay out of history, even for a service the session never used")
def environment_secrets_out_of_history(home):
    values = {"DS_API_TOKEN": "env-ds-token-1a2b", "EMJPM_CLIENT_SECRET": "env-emjpm-secret-3c4d",
              "RDV_PASSWORD": "env-rdv-password-5e6f", "APIDAE_API_KEY": "env-apidae-key-7a8b"}
    r = spawn(home, "-i", extra=values)
    for name, value in values.items():
        r.sendline(f'x = "{value}" -- pasted from {name}')
        r.expect("> ")
    r.sendline("=2 * 21")
    r.expect(r"\r\n42\r\n")
    leave(r)
    history = open(home + "/state/guichet/history", encoding="utf-8").read()
    for name, value in values.items():
        assert value not in history, f"{name}'s value reached the history"
    assert '"=2 * 21"' in history, history


if failures:
    print(f"{len(failures)} of {passed + len(failures)} REPL tests failed:\n" + "\n".join(failures))
    sys.exit(1)
print(f"ok {passed} REPL tests")
