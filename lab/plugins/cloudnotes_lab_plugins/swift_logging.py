"""Swift's servers log only to their stderr (the lab's log files), never to syslog.

Swift gives every logger it makes a syslog handler: /dev/log when that is a unix socket, else
UDP to localhost:514, from a socket the kernel binds to 0.0.0.0 on an ephemeral port at the
first message. The lab has no syslog and opens no socket off loopback. Every Swift config of
the lab names this hook (`log_custom_handlers`), which Swift calls right after it made a
logger: it closes that logger's syslog handler before anything was sent, and from then on
has Swift make a handler that sends nothing. That second part is needed because not every
logger sees the hook: proxy-logging builds its access logger from a few `log_*` keys only.
The console handler that `-v` adds stays; its lines go to .lab/logs/swift-*.log.
"""

from __future__ import annotations

import logging

from swift.common.utils import logs


class NoSyslog(logging.NullHandler):
    """Takes the place of Swift's syslog handler: accepts its arguments, opens nothing."""

    def __init__(self, address=None, facility=None, socktype=None):
        super().__init__()


def without_syslog(conf, name, log_to_console, log_route, fmt, logger, adapted_logger) -> None:
    """Swift's `log_custom_handlers` hook: drop the syslog handler it just added, and have
    every later logger of this process get a NoSyslog instead."""
    logs.ThreadSafeSysLogHandler = NoSyslog
    handler = logs.get_swift_logger.handler4logger.pop(logger, None)
    if handler is not None:
        logger.removeHandler(handler)
        handler.close()
