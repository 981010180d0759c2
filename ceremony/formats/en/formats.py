# Dates as the United Nations and Viet Nam write them, day before month, on a 24-hour clock ("21 October 2025,
# 09:00"), not Django's American default ("Oct. 21, 2025, 9 a.m."). Input formats stay Django's.
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
TIME_FORMAT = "H:i"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
