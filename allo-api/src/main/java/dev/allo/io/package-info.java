/** File helpers shared by the API's own formats: atomic, checksummed binary files. */
package dev.allo.io;
