/** Sources and sinks for device loops: serial, GPIO, camera, folder, JSON lines. */
export { serialSource, listSerialPorts } from './serial.js';
export type { SerialOptions, SerialPortInfo } from './serial.js';
export { LINE_FORMATS, lineParser } from './lines.js';
export type { LineFormat, ParsedReading, LineParserOptions } from './lines.js';
export { gpioSource, gpioOutput } from './gpio/index.js';
export type { GpioEvent, GpioOutputOptions } from './gpio/index.js';
export { openPin, SimulatedPin } from './gpio/pin.js';
export type { Pin, PinOptions, Direction, Edge, BinaryValue } from './gpio/pin.js';
export { sysfsNumber, readChips, HEADER_CHIP_LABELS } from './gpio/numbering.js';
export type { GpioChip } from './gpio/numbering.js';
export { camera, cameraSource, CAMERA_PRESETS } from './camera.js';
export type { Camera, CameraOptions, CameraPreset, CameraSourceOptions } from './camera.js';
export { folderSource } from './folder.js';
export type { FolderSource, FolderSourceOptions } from './folder.js';
export { jsonLinesSink } from './jsonl.js';
export type { JsonLinesOptions } from './jsonl.js';
