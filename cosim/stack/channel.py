"""A DAC channel: a finite word FIFO fed by the sequencer and drained on the sample clock.

Timing of one pulse on a channel (all in ticks = sample periods):

1. the qubit holds the channel; the sequencer needs ``issue_ticks`` to issue
   the instruction;
2. the sequencer writes the pulse's words into the channel FIFO
   (``simpy.Store(capacity=fifo_depth_words)``), one every ``refill_ticks``,
   blocking while the FIFO is full;
3. playback starts once the FIFO holds ``min(words, depth)`` words (full, or
   the whole pulse);
4. every word plays for as many ticks as it has samples. If the next word is
   not there when needed, that is an underflow: the DAC emits its zero code
   until the word arrives (the pulse is cut, not delayed cleanly); the
   underflow is logged when the late word arrives;
5. after the last word the channel stays held for ``gap_ticks``.

So a pulse longer than the FIFO underflows exactly when the sequencer writes
words more slowly than the DAC plays them. SimPy events mark words, never
samples; the samples themselves stay numpy arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field

import numpy as np
import simpy

from cosim.stack.sequencer import PulseInstruction
from cosim.stack.spec import StackSpec


@dataclass
class Emission:
    """What a channel emitted for one pulse, in ticks (internal bookkeeping)."""

    instruction: PulseInstruction
    channel: int
    words: list[tuple[int, np.ndarray]] = field(default_factory=list)  # (start tick, codes)
    stalls: list[tuple[int, int]] = field(default_factory=list)  # (start tick, end tick)
    request: int = 0
    acquire: int = 0
    play: int = 0
    done: int = 0
    release: int = 0

    @property
    def qubit(self) -> int:
        return self.instruction.qubit


def _feed(env: simpy.Environment, fifo: simpy.Store, words: list[np.ndarray],
          refill_ticks: int, prefill: int, prefilled: simpy.Event) -> Generator:
    """Sequencer side: write the words one by one, signalling when the prefill is in."""
    for i, word in enumerate(words):
        yield env.timeout(refill_ticks)
        yield fifo.put(word)
        if i + 1 == prefill:
            prefilled.succeed()


class DACChannel:
    """One DAC channel: a SimPy process that plays the pulses it is handed, from its FIFO.

    A qubit that holds the channel puts ``(emission, done)`` into
    :attr:`commands`; the channel process issues, prefills and plays the pulse,
    then succeeds ``done``.

    Parameters
    ----------
    env : simpy.Environment
    index : int
    spec : StackSpec
    log : callable
        ``log(text)`` records an event at the current time.
    """

    def __init__(self, env: simpy.Environment, index: int, spec: StackSpec,
                 log: Callable[[str], None]) -> None:
        self.env = env
        self.index = index
        self.spec = spec
        self.fifo = simpy.Store(env, capacity=spec.fifo_depth_words)
        # Used only by the static assignment; the pool has its own Resource.
        self.resource = simpy.Resource(env, capacity=1)
        self.commands = simpy.Store(env)
        self.busy_ticks = 0
        self.underflows = 0
        self._log = log
        env.process(self._run())

    def _run(self) -> Generator:
        while True:
            emission, done = yield self.commands.get()
            yield from self.play(emission)
            done.succeed()

    def play(self, emission: Emission) -> Generator:
        """Process body: issue, prefill and play one pulse (the channel is already held)."""
        env, spec, name = self.env, self.spec, f"ch{self.index}"
        ins = emission.instruction
        label = f"q{ins.qubit} {ins.kind}"
        if spec.issue_ticks:
            yield env.timeout(spec.issue_ticks)
        words = ins.words(spec.samples_per_word)
        prefilled = env.event()
        env.process(_feed(env, self.fifo, words, spec.refill_ticks,
                          min(len(words), spec.fifo_depth_words), prefilled))
        yield prefilled
        emission.play = env.now
        self._log(f"{label} play {name}")
        for _ in words:
            get = self.fifo.get()
            if not get.triggered:
                start = env.now
                yield get
                # A word written in the very tick it is needed is on time.
                if env.now > start:
                    self.underflows += 1
                    emission.stalls.append((start, env.now))
                    self._log(f"{label} underflow {name}")
            else:
                yield get
            word = get.value
            emission.words.append((env.now, word))
            yield env.timeout(word.size)
            self.busy_ticks += word.size
        emission.done = env.now
        self._log(f"{label} done {name}")
        if spec.gap_ticks:
            yield env.timeout(spec.gap_ticks)
