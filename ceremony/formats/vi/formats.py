# Django's Vietnamese formats leave out digit grouping; Vietnamese writes 16.000 and 78,44.
NUMBER_GROUPING = 3
