"""A site's map without a tile server: the network's sites with coordinates projected (Web
Mercator) onto an SVG, the site's stations in a ring around its point. With UI_MAP_TILE_URL
set (off by default: a tile server sees every operator's page views), the tiles under the
view are drawn beneath, from that source."""

import math
from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT = 800, 420
PADDING = 60
TILE = 256
MAX_ZOOM = 17
RING = 34  # pixels between the site's point and its stations


@dataclass(frozen=True)
class Point:
    x: float
    y: float


@dataclass(frozen=True)
class Tile:
    url: str
    x: float
    y: float


def mercator(latitude: float, longitude: float) -> tuple[float, float]:
    """World coordinates at zoom 0, 0-256 each way."""
    sine = min(max(math.sin(math.radians(latitude)), -0.9999), 0.9999)
    x = TILE * (0.5 + longitude / 360)
    y = TILE * (0.5 - math.log((1 + sine) / (1 - sine)) / (4 * math.pi))
    return x, y


@dataclass(frozen=True)
class View:
    """A zoom and an offset that fit every point in the SVG, within the padding."""

    zoom: int
    left: float
    top: float

    @classmethod
    def fitting(cls, world: list[tuple[float, float]]) -> "View":
        xs, ys = [x for x, _ in world], [y for _, y in world]
        span_x, span_y = max(xs) - min(xs), max(ys) - min(ys)
        zoom = MAX_ZOOM
        while zoom > 0 and (
            span_x * 2**zoom > WIDTH - 2 * PADDING or span_y * 2**zoom > HEIGHT - 2 * PADDING
        ):
            zoom -= 1
        scale = 2**zoom
        centre_x, centre_y = (max(xs) + min(xs)) / 2 * scale, (max(ys) + min(ys)) / 2 * scale
        return cls(zoom, centre_x - WIDTH / 2, centre_y - HEIGHT / 2)

    def point(self, world: tuple[float, float]) -> Point:
        scale = 2**self.zoom
        return Point(round(world[0] * scale - self.left, 1), round(world[1] * scale - self.top, 1))

    def tiles(self, url: str) -> list[Tile]:
        """The tiles under the view, from a `{z}/{x}/{y}` URL template."""
        if not url:
            return []
        first_x, first_y = int(self.left // TILE), int(self.top // TILE)
        last_x, last_y = int((self.left + WIDTH) // TILE), int((self.top + HEIGHT) // TILE)
        count = 2**self.zoom
        return [
            Tile(
                url.format(z=self.zoom, x=x % count, y=y), x * TILE - self.left, y * TILE - self.top
            )
            for x in range(first_x, last_x + 1)
            for y in range(first_y, last_y + 1)
            if 0 <= y < count
        ]


def site_map(
    site: Any, neighbours: list[Any], stations: list[Any], tile_url: str
) -> dict[str, Any]:
    """What the SVG draws: each site (this one marked), this site's stations around it, the
    tiles beneath if a source is set. Empty when the site has no coordinates."""
    if site.latitude is None or site.longitude is None:
        return {}
    placed = [s for s in neighbours if s.latitude is not None and s.longitude is not None]
    world = {s.pk: mercator(float(s.latitude), float(s.longitude)) for s in [site, *placed]}
    view = View.fitting(list(world.values()))
    centre = view.point(world[site.pk])
    ring = [
        (
            station,
            Point(
                round(centre.x + RING * math.cos(2 * math.pi * index / max(len(stations), 1)), 1),
                round(centre.y + RING * math.sin(2 * math.pi * index / max(len(stations), 1)), 1),
            ),
        )
        for index, station in enumerate(stations)
    ]
    return {
        "scale": scale_bar(float(site.latitude), view.zoom),
        "width": WIDTH,
        "height": HEIGHT,
        "centre": centre,
        "sites": [(other, view.point(world[other.pk])) for other in placed if other.pk != site.pk],
        "stations": ring,
        "tiles": view.tiles(tile_url),
    }


def scale_bar(latitude: float, zoom: int) -> dict[str, Any]:
    """A round distance drawn about 120 pixels long, for the map's corner."""
    metres_per_pixel = 156_543.03 * math.cos(math.radians(latitude)) / 2**zoom
    wanted = metres_per_pixel * 120
    steps = [m * 10**e for e in range(0, 7) for m in (1, 2, 5)]
    metres = max([step for step in steps if step <= wanted], default=1)
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    return {"pixels": round(metres / metres_per_pixel, 1), "label": label}
