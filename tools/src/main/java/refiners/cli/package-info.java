/**
 * The refiners command (Main) and its commands: generate, client, convert, train, fuzz, demo, serve, and the bench-*
 * dispatch. The top of tools: it may import every other tools package; none of them imports it.
 */
package refiners.cli;
