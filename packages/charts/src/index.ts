/**
 * @packageDocumentation
 * Isomorphic SVG charts as markup strings: `lineChart` and `historyCharts` (training curves), `heatMap` (the confusion
 * matrix), `barChart` (per-class scores), with their round ticks and the text escaping they use.
 * No DOM and no Node built-ins: a CLI writes the strings into a file, a page sets them as innerHTML.
 */
export { barChart, type Bar, type BarChartOptions } from './bar-chart.js';
export { escapeXml } from './escape.js';
export { heatMap, type HeatMapOptions } from './heat-map.js';
export { historyCharts, type HistoryChartOptions, type HistoryPoint } from './history-charts.js';
export { lineChart, type LineChartOptions, type LineSeries } from './line-chart.js';
export { niceAxis, niceTicks, type NiceAxis } from './ticks.js';
