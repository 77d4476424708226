"""GUI soak: the real app in a real X window, driven like a working day, for N minutes.

    python scripts/soak.py --minutes 15

Starts Xvfb (unless DISPLAY is set and --display is not given), opens `peerdesk --demo` on a
fresh demo store in a temporary folder, signs in as a supporter and then loops: switching
pages, paging and scrolling lists, moving the mouse, searching, typing long notes into the
session form, pressing Escape, locking (Ctrl+L) and unlocking, and once waiting for the idle
lock. Every few seconds it checks that the process is alive and reads its memory (VmRSS).
At the end it prints how long it ran, how many input events it sent, whether the app
crashed (with the tail of its stderr), and the memory at start, end and peak; the exit code
is non-zero if the app died or stopped answering.

Needs Xvfb and xdotool (Debian: apt-get install xvfb xdotool); --screenshot also needs
ImageMagick's `import`.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from peerdesk.services.demo import DEFAULT_DEMO_PASSWORD

# Question boxes the loop can raise; Escape answers each with the choice that keeps input.
BOXES = ("Clear the form", "Unsaved input")
WORDS = (
    "listened talked about the night shift sleep rota conflict with a colleague felt "
    "heard agreed to meet again next week mentioned the incident on the ward"
).split()


@dataclass
class Soak:
    proc: subprocess.Popen[bytes]
    env: dict[str, str]
    events: int = 0
    locks: int = 0
    lock_failures: int = 0  # Ctrl+L sent and the window stayed signed in
    unlock_failures: int = 0  # the password typed and the window stayed locked
    idle_locks: int = 0
    rss: list[tuple[float, int]] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def xdo(self, *args: str, events: int = 1) -> None:
        subprocess.run(["xdotool", *args], env=self.env, check=False, capture_output=True)
        self.events += events

    def key(self, *keys: str) -> None:
        # A press and a release per key, as xdotool sends them.
        self.xdo("key", "--clearmodifiers", *keys, events=2 * len(keys))

    def type(self, text: str) -> None:
        self.xdo("type", "--delay", "2", text, events=2 * len(text))

    def title(self, win: str) -> str:
        out = subprocess.run(
            ["xdotool", "getwindowname", win], env=self.env, capture_output=True, text=True
        )
        return out.stdout.strip()

    def signed_in(self, win: str) -> bool:
        # "PeerDesk — <name>" while signed in; just "PeerDesk" when locked or signed out.
        return "—" in self.title(win)

    def answer_boxes(self, *titles: str) -> None:
        """Escape on any open question box ("Keep it", "Go back"): without a window manager
        the box does not take the keyboard by itself."""
        for title in titles:
            found = subprocess.run(
                ["xdotool", "search", "--name", f"^{title}$"],
                env=self.env,
                capture_output=True,
                text=True,
            ).stdout.split()
            for box in found:
                self.xdo("windowfocus", box)
                self.key("Escape")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def sample(self) -> int:
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
        except OSError:
            return 0
        lines = [line for line in status.splitlines() if line.startswith("VmRSS")]
        if not lines:  # exited, not yet reaped
            return 0
        kb = int(lines[0].split()[1])
        self.rss.append((time.monotonic() - self.started, kb))
        return kb


def _start_xvfb(display: str) -> subprocess.Popen[bytes]:
    xvfb = subprocess.Popen(
        ["Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(1.0)
    return xvfb


def _window_id(env: dict[str, str], timeout: float = 60) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        out = subprocess.run(
            ["xdotool", "search", "--name", "PeerDesk"], env=env, capture_output=True, text=True
        ).stdout.split()
        if out:
            return out[-1]
        time.sleep(0.5)
    raise SystemExit("soak: the PeerDesk window did not appear")


def _unlock(s: Soak) -> None:
    s.type(DEFAULT_DEMO_PASSWORD)
    s.key("Return")
    time.sleep(1.5)  # key stretching and opening the store


def _cycle(s: Soak, rng: random.Random, win: str) -> None:
    s.answer_boxes(*BOXES)
    s.xdo("windowfocus", win)
    if not s.signed_in(win):  # the idle lock came first: unlock, never type elsewhere
        _unlock(s)
        if not s.signed_in(win):
            s.unlock_failures += 1
            return
    for n in rng.sample(range(1, 8), 4):  # pages, lists filling in
        s.key(f"ctrl+{n}")
        time.sleep(0.3)
        for _ in range(rng.randint(1, 4)):
            s.key(rng.choice(["Page_Down", "Page_Up", "Down", "Down", "Up"]))
        for _ in range(40):  # a hand resting on the mouse
            s.xdo("mousemove", str(rng.randint(200, 1200)), str(rng.randint(100, 760)))
        s.xdo("click", rng.choice(["4", "5"]), events=2)  # wheel
    s.key("ctrl+2")  # Sessions: search, then the form
    s.key("ctrl+f")
    s.type(rng.choice(["bur", "sleep", "P-", "grief"]))
    time.sleep(0.5)
    s.key("ctrl+a", "BackSpace")
    s.key("ctrl+n")
    s.key("alt+t")  # the Private notes box (its mnemonic)
    s.type(" ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 120))))
    s.key("Escape")  # no popup: asks whether to clear the form
    time.sleep(0.3)
    s.answer_boxes(*BOXES)  # "Keep it"
    if rng.random() < 0.5:
        # Without a window manager a closed message box leaves no X focus: give it back.
        s.xdo("windowfocus", win)
        s.key("ctrl+l")
        time.sleep(0.5)
        if s.signed_in(win):
            s.lock_failures += 1
            return
        s.locks += 1
        _unlock(s)
        if not s.signed_in(win):
            s.unlock_failures += 1
    s.key("Escape")
    time.sleep(0.3)
    s.answer_boxes(*BOXES)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--minutes", type=float, default=15.0)
    ap.add_argument("--display", default="")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--idle-wait", action="store_true", help="once, wait for the idle lock")
    ap.add_argument("--screenshot", default="", help="save a PNG of the screen at the end")
    args = ap.parse_args(argv)
    for tool in ("xdotool", "Xvfb"):
        if shutil.which(tool) is None:
            raise SystemExit(f"soak: {tool} is missing (apt-get install xvfb xdotool)")

    env = dict(os.environ)
    xvfb = None
    if args.display or not env.get("DISPLAY"):
        display = args.display or ":97"
        xvfb = _start_xvfb(display)
        env["DISPLAY"] = display
    env.pop("QT_QPA_PLATFORM", None)
    tmp = Path(tempfile.mkdtemp(prefix="peerdesk-soak-"))
    data = tmp / "data"
    data.mkdir(mode=0o700)
    # One idle minute, so the idle lock (and its warning) happen during the soak.
    (data / "policy.toml").write_text("[policy]\nidle_lock_minutes = 1\n")
    err = (tmp / "stderr.txt").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "peerdesk", "--data-dir", str(data), "--demo"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=err,
    )
    s = Soak(proc, env)
    rng = random.Random(args.seed)
    ok = True
    start_kb = 0
    try:
        win = _window_id(env)
        # The demo store is made on first start; the sign-in screen then has the supporter's
        # name filled in and the password box focused.
        for _ in range(240):
            if (data / "peerdesk.db").exists() and (data / "keyslots.json").exists():
                break
            time.sleep(0.5)
        time.sleep(3)
        s.xdo("windowfocus", win)
        _unlock(s)
        if not s.signed_in(win):
            raise SystemExit("soak: could not sign in to the demo store")
        start_kb = s.sample()
        deadline = time.monotonic() + args.minutes * 60
        idle_done = not args.idle_wait
        last_report = time.monotonic()
        while time.monotonic() < deadline and s.alive():
            _cycle(s, rng, win)
            s.sample()
            if not idle_done and time.monotonic() - s.started > 60:
                time.sleep(65)  # no input: warning at 30 s, lock at 60 s
                if not s.signed_in(win):
                    s.idle_locks += 1
                s.xdo("windowfocus", win)
                _unlock(s)
                idle_done = True
            if time.monotonic() - last_report > 60:
                last_report = time.monotonic()
                print(
                    f"  {int(time.monotonic() - s.started):5d} s  {s.events:8,} events  "
                    f"RSS {s.rss[-1][1] / 1024:6.1f} MiB",
                    flush=True,
                )
        if args.screenshot:
            subprocess.run(["import", "-window", "root", args.screenshot], env=env, check=False)
        ok = s.alive() and s.signed_in(win) and s.unlock_failures == 0
    except BaseException:
        print(f"soak stopped early; app exit code {proc.poll()}", file=sys.stderr)
        raise
    finally:
        elapsed = time.monotonic() - s.started
        crashed = not s.alive()
        if s.alive():
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        err.close()
        if xvfb is not None:
            xvfb.terminate()
    rss = [kb for _t, kb in s.rss] or [0]
    print(f"ran {elapsed / 60:.1f} min; {s.events:,} input events; {s.locks} locks by Ctrl+L")
    print(f"idle locks waited for: {s.idle_locks}")
    print(f"Ctrl+L not locking: {s.lock_failures}; unlocks that failed: {s.unlock_failures}")
    print(
        f"memory (RSS): start {start_kb / 1024:.1f} MiB, end {rss[-1] / 1024:.1f} MiB, "
        f"peak {max(rss) / 1024:.1f} MiB"
    )
    if crashed:
        tail = (tmp / "stderr.txt").read_text(errors="replace")[-2000:]
        print(f"CRASHED: exit code {proc.returncode}\n{tail}")
        return 1
    print("no crash")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
