/**
 * The four services as separate processes on this machine (ports, logs, readiness, stop) and their Prometheus metrics:
 * what the demo, the benches and the end-to-end tests start. Imports no other tools package.
 */
package refiners.launch;
