"""The desk: intake, jail events, decisions kept over time, notifications, the hold clock."""

from detainer_desk.desk.clock import Clock, SettableClock, SystemClock
from detainer_desk.desk.opening import initialise, open_desk
from detainer_desk.desk.service import Desk
from detainer_desk.desk.settings import DeskSettings

__all__ = [
    "Clock",
    "Desk",
    "DeskSettings",
    "SettableClock",
    "SystemClock",
    "initialise",
    "open_desk",
]
