package hub

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// meter draws download progress: on a terminal one line redrawn in place (at most every
// 100 ms), elsewhere a plain line every 10 seconds. Speed and ETA count only the bytes
// fetched by this process, not those a resumed download already had.
type meter struct {
	w        io.Writer
	terminal bool
	name     string
	now      func() time.Time

	start    time.Time
	base     int64 // bytes present when the meter started (resumed)
	done     int64
	total    int64 // -1 when unknown
	lastDraw time.Time
	drawn    bool
}

func newMeter(w io.Writer, terminal bool, name string, now func() time.Time) *meter {
	if now == nil {
		now = time.Now
	}
	return &meter{w: w, terminal: terminal, name: name, now: now, total: -1}
}

// reset starts (or restarts) the count at off bytes of total (-1: unknown).
func (m *meter) reset(off, total int64) {
	if m.start.IsZero() || off < m.done {
		m.start = m.now()
		m.base = off
	}
	m.done, m.total = off, total
}

func (m *meter) add(n int) {
	m.done += int64(n)
	if m.w == nil {
		return
	}
	t := m.now()
	every := 10 * time.Second
	if m.terminal {
		every = 100 * time.Millisecond
	}
	if t.Sub(m.lastDraw) >= every {
		m.lastDraw = t
		m.draw(t)
	}
}

// note prints a message on its own line (after the progress line, on a terminal).
func (m *meter) note(format string, args ...any) {
	if m.w == nil {
		return
	}
	if m.terminal && m.drawn {
		fmt.Fprint(m.w, "\r\x1b[K")
	}
	fmt.Fprintf(m.w, format+"\n", args...)
	m.drawn = false
}

// finish draws the final state and ends the line.
func (m *meter) finish() {
	if m.w == nil {
		return
	}
	m.draw(m.now())
	if m.terminal {
		fmt.Fprintln(m.w)
	}
	m.drawn = false
}

func (m *meter) draw(t time.Time) {
	line := m.line(t)
	if m.terminal {
		fmt.Fprintf(m.w, "\r\x1b[K%s", line)
		m.drawn = true
	} else {
		fmt.Fprintln(m.w, line)
	}
}

// line renders "name  12.0 MiB / 135.0 MiB [=====>     ]  9%  4.5 MiB/s  ETA 0:27".
func (m *meter) line(t time.Time) string {
	var b strings.Builder
	b.WriteString(m.name)
	b.WriteString("  ")
	b.WriteString(formatBytes(m.done))
	if m.total >= 0 {
		b.WriteString(" / " + formatBytes(m.total))
		frac := 1.0
		if m.total > 0 {
			frac = float64(m.done) / float64(m.total)
		}
		if m.terminal {
			const width = 24
			fill := int(frac * width)
			bar := strings.Repeat("=", fill)
			if fill < width {
				bar += ">" + strings.Repeat(" ", width-fill-1)
			}
			b.WriteString(" [" + bar + "]")
		}
		fmt.Fprintf(&b, " %3.0f%%", 100*frac)
	}
	elapsed := t.Sub(m.start).Seconds()
	if elapsed > 0 {
		speed := float64(m.done-m.base) / elapsed
		b.WriteString("  " + formatBytes(int64(speed)) + "/s")
		if m.total >= 0 && speed > 0 {
			eta := time.Duration(float64(m.total-m.done) / speed * float64(time.Second))
			b.WriteString("  ETA " + formatDuration(eta))
		}
	}
	return b.String()
}

// formatBytes writes n with a binary unit: "512 B", "1.5 KiB", "135.0 MiB".
func formatBytes(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v, unit := float64(n)/1024, 0
	units := []string{"KiB", "MiB", "GiB", "TiB"}
	for v >= 1024 && unit < len(units)-1 {
		v /= 1024
		unit++
	}
	return fmt.Sprintf("%.1f %s", v, units[unit])
}

// formatDuration writes d as m:ss or h:mm:ss.
func formatDuration(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	if s < 0 {
		s = 0
	}
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}
