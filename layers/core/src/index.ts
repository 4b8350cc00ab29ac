export * from './cartoonize';
export * from './errors';
export * from './input';
export * from './logger';
export * from './options';
export * from './output';
export * from './sharp-settings';
export * from './styles';
