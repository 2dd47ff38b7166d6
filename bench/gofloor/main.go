// Command gofloor does nothing: bench/token-latency.sh times it as the
// floor of starting any Go program on this machine.
package main

func main() {}
