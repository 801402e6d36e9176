package chat

import (
	"testing"
	"time"
)

// TestStrftime compares with Python's datetime.strftime (glibc, C locale) for
// "%a %A %b %B %d %e %H %I %j %k %l %m %M %p %S %U %W %w %u %V %G %g %y %Y %C %D %F %T %R %r %c %x %X %-d %-m %-H %% %Q".
func TestStrftime(t *testing.T) {
	const format = "%a %A %b %B %d %e %H %I %j %k %l %m %M %p %S %U %W %w %u %V %G %g %y %Y %C %D %F %T %R %r %c %x %X %-d %-m %-H %% %Q"
	for _, c := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2024, 1, 1, 0, 5, 9, 0, time.UTC), "Mon Monday Jan January 01  1 00 12 001  0 12 01 05 AM 09 00 01 1 1 01 2024 24 24 2024 20 01/01/24 2024-01-01 00:05:09 00:05 12:05:09 AM Mon Jan  1 00:05:09 2024 01/01/24 00:05:09 1 1 0 % %Q"},
		{time.Date(2023, 1, 1, 23, 59, 59, 0, time.UTC), "Sun Sunday Jan January 01  1 23 11 001 23 11 01 59 PM 59 01 00 0 7 52 2022 22 23 2023 20 01/01/23 2023-01-01 23:59:59 23:59 11:59:59 PM Sun Jan  1 23:59:59 2023 01/01/23 23:59:59 1 1 23 % %Q"},
		{time.Date(2021, 1, 3, 12, 0, 0, 0, time.UTC), "Sun Sunday Jan January 03  3 12 12 003 12 12 01 00 PM 00 01 00 0 7 53 2020 20 21 2021 20 01/03/21 2021-01-03 12:00:00 12:00 12:00:00 PM Sun Jan  3 12:00:00 2021 01/03/21 12:00:00 3 1 12 % %Q"},
		{time.Date(2020, 12, 31, 13, 7, 0, 0, time.UTC), "Thu Thursday Dec December 31 31 13 01 366 13  1 12 07 PM 00 52 52 4 4 53 2020 20 20 2020 20 12/31/20 2020-12-31 13:07:00 13:07 01:07:00 PM Thu Dec 31 13:07:00 2020 12/31/20 13:07:00 31 12 13 % %Q"},
		{time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC), "Sat Saturday Feb February 28 28 00 12 059  0 12 02 00 AM 00 08 08 6 6 09 2026 26 26 2026 20 02/28/26 2026-02-28 00:00:00 00:00 12:00:00 AM Sat Feb 28 00:00:00 2026 02/28/26 00:00:00 28 2 0 % %Q"},
	} {
		if got := strftime(format, c.t); got != c.want {
			t.Errorf("%v:\n got %q\nwant %q", c.t, got, c.want)
		}
	}
	if got := strftime("100%", time.Now()); got != "100%" {
		t.Errorf("trailing %%: %q", got)
	}
}
