"""cosim: cryogenic control-stack co-design simulator.

The package holds the SimPy control stack, the QuTiP pulse-level qubit
dynamics, the study runner and the ``cosim`` command-line interface. It sits on
top of :mod:`hardware_models` (DACs, power, cryostat) and :mod:`qnn` (quantum
neural networks under finite DAC resolution).
"""

__version__ = "0.1.0"
