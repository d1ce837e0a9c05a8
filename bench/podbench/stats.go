package main

import (
	"fmt"
	"math"
	"sort"
)

// series is what one engine measured in one scenario: the samples, or why
// there are none.
type series struct {
	values   []float64
	failures int    // commands that failed while being measured
	absent   string // why nothing was measured ("not implemented in pod yet", an error)
	firstErr string // the first failed command's error, when some failed
}

func (s *series) ok() bool { return s != nil && s.absent == "" && len(s.values) > 0 }

func (s *series) median() float64 {
	v := append([]float64(nil), s.values...)
	sort.Float64s(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

func (s *series) min() float64 {
	m := math.Inf(1)
	for _, v := range s.values {
		m = math.Min(m, v)
	}
	return m
}

func (s *series) max() float64 {
	m := math.Inf(-1)
	for _, v := range s.values {
		m = math.Max(m, v)
	}
	return m
}

// cell renders "median (min–max)" in the unit's precision.
func (s *series) cell(unit string) string {
	if s == nil {
		return "—"
	}
	if s.absent != "" {
		return s.absent
	}
	if len(s.values) == 0 {
		return "no samples"
	}
	f := func(v float64) string { return num(v, unit) }
	c := fmt.Sprintf("%s (%s–%s)", f(s.median()), f(s.min()), f(s.max()))
	if s.failures > 0 {
		c += fmt.Sprintf(", %d failed", s.failures)
	}
	return c
}

func num(v float64, unit string) string {
	switch {
	case unit == "MB":
		return fmt.Sprintf("%.2f", v)
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	default:
		return fmt.Sprintf("%.1f", v)
	}
}

// ratio is pod's median over podman's, or "" when either is missing.
func ratio(pod, podman *series) (float64, bool) {
	if !pod.ok() || !podman.ok() || podman.median() == 0 {
		return 0, false
	}
	return pod.median() / podman.median(), true
}
