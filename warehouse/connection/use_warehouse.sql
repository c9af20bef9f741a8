-- Point a reader connection (or cursor) at the attached warehouse. No params.
use warehouse
