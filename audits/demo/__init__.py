"""Sample Meizhou-style portals with a known compliance profile, served on loopback."""

from audits.demo.build import build_world
from audits.demo.server import SamplePortalServer

__all__ = ["SamplePortalServer", "build_world"]
