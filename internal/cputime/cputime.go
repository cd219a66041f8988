// Package cputime reads CPU clocks for benchmarks. On a shared machine the
// neighbours' load adds wall time but not CPU time, so the benchmarks, the
// bench harness and the load tests report CPU time per operation.
package cputime
