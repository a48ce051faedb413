package dev.allo.impl.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/** Brings a caller's array into a method's scope without leaking conversions into the caller's manager. */
final class ScopedArrays {
    private ScopedArrays() {}

    /**
     * The array on {@code device} with type {@code type}, owned by {@code scope} for the scope's lifetime. When no
     * conversion is needed the caller's array itself is temporarily attached (it returns to its manager when the
     * scope closes); conversions are attached to the scope and die with it. Either way, results of operations
     * whose first operand is the returned array belong to {@code scope}.
     *
     * @param array the caller's array
     * @param device the target device
     * @param type the target type
     * @param scope the method's scope
     * @return the array to compute with
     */
    static NDArray borrow(NDArray array, Device device, DataType type, NDManager scope) {
        NDArray onDevice = array.toDevice(device, false);
        if (onDevice != array) {
            onDevice.attach(scope);
        }
        NDArray typed = onDevice.toType(type, false);
        if (typed != onDevice) {
            typed.attach(scope);
        }
        if (typed == array && array.getManager() != scope) {
            array.tempAttach(scope);
        }
        return typed;
    }
}
