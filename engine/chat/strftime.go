package chat

import (
	"fmt"
	"strings"
	"time"

	"hearth/engine/chat/jinja"
)

// strftime formats t like Python's time.strftime on glibc (the C locale), which is what HF's
// strftime_now(fmt) calls. Supported: %a %A %b %h %B %c %C %d %D %e %F %G %g %H %I %j %k %l
// %m %M %n %p %P %r %R %s %S %t %T %u %U %V %w %W %x %X %y %Y %z %Z %%, and glibc's "-" flag
// (no padding, "%-d"). An unknown directive is copied as written, as glibc does.
func strftime(format string, t time.Time) string {
	var b strings.Builder
	for i := 0; i < len(format); i++ {
		c := format[i]
		if c != '%' || i+1 >= len(format) {
			b.WriteByte(c)
			continue
		}
		j := i + 1
		noPad := false
		if format[j] == '-' && j+1 < len(format) {
			noPad = true
			j++
		}
		s, ok := strftimeDirective(format[j], t, noPad)
		if !ok {
			b.WriteString(format[i : j+1])
		} else {
			b.WriteString(s)
		}
		i = j
	}
	return b.String()
}

func strftimeDirective(d byte, t time.Time, noPad bool) (string, bool) {
	num := func(n, width int, pad byte) string {
		s := fmt.Sprint(n)
		if noPad {
			return s
		}
		for len(s) < width {
			s = string(pad) + s
		}
		return s
	}
	hour12 := t.Hour() % 12
	if hour12 == 0 {
		hour12 = 12
	}
	isoYear, isoWeek := t.ISOWeek()
	switch d {
	case 'a':
		return t.Format("Mon"), true
	case 'A':
		return t.Format("Monday"), true
	case 'b', 'h':
		return t.Format("Jan"), true
	case 'B':
		return t.Format("January"), true
	case 'c':
		return t.Format("Mon Jan _2 15:04:05 2006"), true
	case 'C':
		return num(t.Year()/100, 2, '0'), true
	case 'd':
		return num(t.Day(), 2, '0'), true
	case 'D':
		return t.Format("01/02/06"), true
	case 'e':
		return num(t.Day(), 2, ' '), true
	case 'F':
		return t.Format("2006-01-02"), true
	case 'G':
		return fmt.Sprint(isoYear), true
	case 'g':
		return num(isoYear%100, 2, '0'), true
	case 'H':
		return num(t.Hour(), 2, '0'), true
	case 'I':
		return num(hour12, 2, '0'), true
	case 'j':
		return num(t.YearDay(), 3, '0'), true
	case 'k':
		return num(t.Hour(), 2, ' '), true
	case 'l':
		return num(hour12, 2, ' '), true
	case 'm':
		return num(int(t.Month()), 2, '0'), true
	case 'M':
		return num(t.Minute(), 2, '0'), true
	case 'n':
		return "\n", true
	case 'p':
		return t.Format("PM"), true
	case 'P':
		return t.Format("pm"), true
	case 'r':
		return t.Format("03:04:05 PM"), true
	case 'R':
		return t.Format("15:04"), true
	case 's':
		return fmt.Sprint(t.Unix()), true
	case 'S':
		return num(t.Second(), 2, '0'), true
	case 't':
		return "\t", true
	case 'T':
		return t.Format("15:04:05"), true
	case 'u':
		wd := int(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		return fmt.Sprint(wd), true
	case 'U': // week of the year, Sunday first; days before the first Sunday are week 0
		return num((t.YearDay()+6-int(t.Weekday()))/7, 2, '0'), true
	case 'V':
		return num(isoWeek, 2, '0'), true
	case 'w':
		return fmt.Sprint(int(t.Weekday())), true
	case 'W': // week of the year, Monday first
		return num((t.YearDay()+6-(int(t.Weekday())+6)%7)/7, 2, '0'), true
	case 'x':
		return t.Format("01/02/06"), true
	case 'X':
		return t.Format("15:04:05"), true
	case 'y':
		return num(t.Year()%100, 2, '0'), true
	case 'Y':
		return fmt.Sprint(t.Year()), true
	case 'z':
		return t.Format("-0700"), true
	case 'Z':
		return t.Format("MST"), true
	case '%':
		return "%", true
	}
	return "", false
}

// strftimeNow returns the strftime_now(fmt) global over a fixed clock reading.
func strftimeNow(now time.Time) jinja.Value {
	return jinja.NewBudgetCallable("strftime_now", func(b *jinja.Budget, args []jinja.Value, kwargs map[string]jinja.Value) (jinja.Value, error) {
		if len(args) != 1 || !args[0].IsString() || len(kwargs) != 0 {
			return jinja.Undefined(), fmt.Errorf("strftime_now: want one format string")
		}
		// A directive (two bytes) prints at most 24 ("%c": "Fri Jul 26 12:00:00 2024").
		format := args[0].AsString()
		if err := b.String(12 * int64(len(format))); err != nil {
			return jinja.Undefined(), err
		}
		if err := b.Step(8); err != nil {
			return jinja.Undefined(), err
		}
		return jinja.NewString(strftime(format, now)), nil
	})
}
