"""ElderCare: care-service register for rural left-behind elders."""

__version__ = "0.1.0"
