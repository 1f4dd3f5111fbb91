// The workflow bundle's entry: every workflow type the worker registers.
export { bookingWorkflow } from './booking';
export { hostWorkflow } from './host';
export { networkActionWorkflow } from './network-action';
export { powerActionWorkflow } from './power-action';
export { consoleCaptureWorkflow } from './console-capture';
export { hilHeadnodeWorkflow, obmTokenWorkflow } from './hil-device-calls';
export { directoryUserWorkflow } from './directory-user';
