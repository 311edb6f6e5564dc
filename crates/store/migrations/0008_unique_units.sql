-- The identifiers the law makes unique among units that exist: an organ's full name and an
-- administrative division code (GB/T 2260). A closed unit's name and code may be reused.
CREATE UNIQUE INDEX units_open_name ON units(name) WHERE closed_on IS NULL;
CREATE UNIQUE INDEX units_open_division_code ON units(division_code) WHERE closed_on IS NULL AND division_code <> '';
