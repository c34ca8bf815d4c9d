//go:build !linux

package main

// lowerPriority does nothing outside Linux.
func lowerPriority(AnalysisPriority) error { return nil }

// quickWakeup does nothing outside Linux.
func quickWakeup() error { return nil }
