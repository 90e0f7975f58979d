"""Search service over Chinese oncology expert interviews."""

__version__ = "0.1.0"
