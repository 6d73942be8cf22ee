import datetime as dt

from django.core.validators import MaxValueValidator, MinValueValidator

# Filter dates stay well inside what datetime and the database can hold once shifted by a time
# zone and a day (9999-12-31 + 1 day overflows), so a typed-in extreme is a form error, not a 500.
FILTER_DATE_MIN = dt.date(1900, 1, 1)
FILTER_DATE_MAX = dt.date(2999, 12, 31)
FILTER_DATE_VALIDATORS = [MinValueValidator(FILTER_DATE_MIN), MaxValueValidator(FILTER_DATE_MAX)]
