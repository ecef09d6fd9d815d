export { default as toolGenerator } from './tool/generator';
export { default as serverGenerator } from './server/generator';
export { GeneratorError } from './shared/workspace';
