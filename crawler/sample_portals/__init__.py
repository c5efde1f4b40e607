"""Sample Meizhou-style portals with a known compliance profile, served on loopback."""

from crawler.sample_portals.build import build_world
from crawler.sample_portals.server import SamplePortalServer

__all__ = ["SamplePortalServer", "build_world"]
