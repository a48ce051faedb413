package dev.allo.impl.report;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.Map;

/**
 * The messages of TensorBoard's event files, the subset a scalar writer needs, built at run time from
 * descriptors with the field names and numbers of TensorFlow's {@code event.proto} and {@code summary.proto}
 * (proto2 presence, so a 0 step or a 0.0 value is still written):
 *
 * <pre>
 * message Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
 * message Summary { repeated Value value = 1;
 *                   message Value { string tag = 1; float simple_value = 2; } }
 * </pre>
 */
public final class TensorBoardEvents {
    /** The first record of every event file holds this {@code file_version}. */
    public static final String FILE_VERSION = "brain.Event:2";

    private static final Descriptors.Descriptor EVENT;
    private static final Descriptors.Descriptor SUMMARY;
    private static final Descriptors.Descriptor VALUE;

    static {
        DescriptorProto value = DescriptorProto.newBuilder().setName("Value")
                .addField(field("tag", 1, FieldDescriptorProto.Type.TYPE_STRING))
                .addField(field("simple_value", 2, FieldDescriptorProto.Type.TYPE_FLOAT)).build();
        DescriptorProto summary = DescriptorProto.newBuilder().setName("Summary").addNestedType(value)
                .addField(field("value", 1, FieldDescriptorProto.Type.TYPE_MESSAGE).toBuilder()
                        .setLabel(FieldDescriptorProto.Label.LABEL_REPEATED).setTypeName(".tensorboard.Summary.Value"))
                .build();
        DescriptorProto event = DescriptorProto.newBuilder().setName("Event")
                .addField(field("wall_time", 1, FieldDescriptorProto.Type.TYPE_DOUBLE))
                .addField(field("step", 2, FieldDescriptorProto.Type.TYPE_INT64))
                .addField(field("file_version", 3, FieldDescriptorProto.Type.TYPE_STRING))
                .addField(field("summary", 5, FieldDescriptorProto.Type.TYPE_MESSAGE).toBuilder()
                        .setTypeName(".tensorboard.Summary"))
                .build();
        FileDescriptorProto file = FileDescriptorProto.newBuilder().setName("allo/tensorboard_event.proto")
                .setPackage("tensorboard").addMessageType(summary).addMessageType(event).build();
        try {
            Descriptors.FileDescriptor fd = Descriptors.FileDescriptor.buildFrom(file,
                    new Descriptors.FileDescriptor[0]);
            EVENT = fd.findMessageTypeByName("Event");
            SUMMARY = fd.findMessageTypeByName("Summary");
            VALUE = SUMMARY.findNestedTypeByName("Value");
        } catch (Descriptors.DescriptorValidationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private TensorBoardEvents() {}

    private static FieldDescriptorProto field(String name, int number, FieldDescriptorProto.Type type) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
                .setLabel(FieldDescriptorProto.Label.LABEL_OPTIONAL).build();
    }

    /**
     * The file's first event: {@code file_version: "brain.Event:2"} at step 0.
     *
     * @param wallTime seconds since the epoch
     * @return the serialised event
     */
    public static byte[] fileVersion(double wallTime) {
        return DynamicMessage.newBuilder(EVENT).setField(EVENT.findFieldByName("wall_time"), wallTime)
                .setField(EVENT.findFieldByName("step"), 0L)
                .setField(EVENT.findFieldByName("file_version"), FILE_VERSION).build().toByteArray();
    }

    /**
     * An event with one scalar summary value per entry.
     *
     * @param wallTime seconds since the epoch
     * @param step the global step
     * @param scalars tag to value, in order
     * @return the serialised event
     */
    public static byte[] scalars(double wallTime, long step, Map<String, Double> scalars) {
        DynamicMessage.Builder summary = DynamicMessage.newBuilder(SUMMARY);
        Descriptors.FieldDescriptor values = SUMMARY.findFieldByName("value");
        scalars.forEach((tag, v) -> summary.addRepeatedField(values, DynamicMessage.newBuilder(VALUE)
                .setField(VALUE.findFieldByName("tag"), tag)
                .setField(VALUE.findFieldByName("simple_value"), v.floatValue()).build()));
        return DynamicMessage.newBuilder(EVENT).setField(EVENT.findFieldByName("wall_time"), wallTime)
                .setField(EVENT.findFieldByName("step"), step)
                .setField(EVENT.findFieldByName("summary"), summary.build()).build().toByteArray();
    }

    /**
     * The step of a serialised event.
     *
     * @param event the bytes
     * @return its {@code step}, 0 when unset
     * @throws InvalidProtocolBufferException if the bytes are not an event
     */
    public static long step(byte[] event) throws InvalidProtocolBufferException {
        DynamicMessage m = DynamicMessage.parseFrom(EVENT, event);
        return (Long) m.getField(EVENT.findFieldByName("step"));
    }
}
