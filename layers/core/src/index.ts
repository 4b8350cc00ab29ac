export * from './cartoonize';
export * from './errors';
export * from './input';
export * from './options';
export * from './output';
export * from './styles';
export * from './sharp-settings';
export * from './logger';
