/** The entry point {@link dev.allo.Allo} and the library-wide exception {@link dev.allo.AlloException}. */
package dev.allo;
