"""Write use-cases of the commerce app, one module per group, re-exported here: callers import
from `kazan.commerce.services`."""

from kazan.commerce.services.stock import (
    StockLine,
    stock_fulfil,
    stock_release,
    stock_reserve,
)

__all__ = [
    "StockLine",
    "stock_fulfil",
    "stock_release",
    "stock_reserve",
]
