/**
 * Seeing what a run did: logging windows, progress lines, CSV and TensorBoard metric writers, and the HTML report
 * with its SVG charts.
 */
package dev.allo.impl.report;
