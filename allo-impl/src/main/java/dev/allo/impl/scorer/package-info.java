/** Token scorers that need the engine: the rewriting-model scorer of Eq. (5). */
package dev.allo.impl.scorer;
