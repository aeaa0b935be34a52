/** The admin port ({@code /ready}, {@code /clusters}, {@code /config_dump}, {@code /runtime}) and the health port. */
package dev.skiff.proxy.admin;
