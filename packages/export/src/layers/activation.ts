// The spec's activation as a layer piece: forward after every conv2d and hidden dense layer
// (`NetworkLayer.activated`), backward from the pre-activation and the output. The nodes themselves
// are written once, in activation-grads.ts.
export { activationGradConstants, activationGradient as activationBackward, activationNode as activationForward, type ActivationGradConstants } from '../activation-grads.js';
