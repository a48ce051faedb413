/** The service-provider interface through which {@code allo-api} finds its implementation. */
package dev.allo.spi;
